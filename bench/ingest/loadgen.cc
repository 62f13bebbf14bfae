// ingest_loadgen: posts screening submissions over HTTP/1.1 keep-alive
// connections, one submission per prepared (session, assignment) line.
// Consecutive lines with the same session are one student's sitting: they
// go one after another on one connection, as a student answers the
// campaign's scales in turn; students come in the file's (random) order.
//
//   ingest_loadgen --port 8080 --work sessions.tsv --connections 256 --duration 10
//                  [--rate 5000] [--warmup 2] [--from K] [--json out.json]
//                  [--retry --ack-log acks.tsv]
//
// Work file: one line per submission,
// "token<TAB>csrf<TAB>assignment_id<TAB>instrument" (phq9 or gad7).
// Closed loop (no --rate): every connection sends its next request as soon
// as the answer to the previous one has arrived (saturation). Open loop
// (--rate R): connection k sends its j-th request at start + (j*C + k)/R; a
// late answer does not delay the schedule's clock, and latency is measured
// from the scheduled send time, so queueing is not hidden (no coordinated
// omission).
//
// --retry (crash tests): a request that fails in any way (refused, reset,
// 5xx) is sent again, with the same submission id, until it is answered;
// every 200/201 answer is appended to --ack-log as
// "assignment_id<TAB>submission_id<TAB>critical<TAB>status".
//
// Answers ("q1".."q9" for PHQ-9, "q1".."q7" for GAD-7, "0".."3") are
// mostly low; a fixed share of the PHQ-9 assignments (--critical-per-mille,
// chosen by a hash of the assignment id) answer item 9 with "1" or more,
// which must raise an urgent warning.
//
// Single-threaded (one core of the two is the server's). Requests are
// written and answers read by hand, not as Beast messages, so that the
// client takes as little of the shared machine as it can.
#include <utility>  // before Asio's coroutine headers (GCC 12, Boost 1.74)

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <functional>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "fmt/format.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string work;
  size_t from = 0;
  int connections = 256;
  double duration_s = 10;
  double warmup_s = 2;
  double rate = 0;  // 0 = closed loop
  int critical_per_mille = 20;
  bool retry = false;
  std::string ack_log;
  std::string json_out;
  std::string label = "run";
  std::string path;   // fixed target path; empty = per assignment
  bool get = false;   // GET the fixed path instead (framework overhead without the database)
  bool wrap = false;  // start the work file again when it runs out (nothing is stored: ceilings)
};

struct WorkItem {
  std::string token, csrf, assignment;
  bool phq9 = true;
};

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool IsCritical(const std::string& assignment, int per_mille) {
  return Mix(std::hash<std::string>{}(assignment)) % 1000 < static_cast<uint64_t>(per_mille);
}

std::string Body(const std::string& assignment, bool phq9, bool critical) {
  uint64_t h = Mix(std::hash<std::string>{}(assignment) ^ 0x5bd1e995);
  std::string b = "{\"submission_id\":\"bench-" + assignment + "\",\"answers\":{";
  for (int i = 1; i <= (phq9 ? 9 : 7); ++i) {
    int v = static_cast<int>((h >> (i * 3)) & 7);
    v = v < 5 ? 0 : v - 4;  // mostly 0, some 1..3
    if (i == 9) v = critical ? 1 + static_cast<int>(h % 3) : 0;
    if (i > 1) b += ',';
    b += "\"q";
    b += static_cast<char>('0' + i);
    b += "\":\"";
    b += static_cast<char>('0' + v);
    b += '"';
  }
  b += "},\"elapsed_seconds\":95}";
  return b;
}

// The request's bytes, written by hand: the client must cost the machine
// as little as it can, since it shares the cores with the server.
std::string RequestBytes(const Args& a, const WorkItem& w, bool critical) {
  const std::string body = a.get ? std::string() : Body(w.assignment, w.phq9, critical);
  std::string r;
  r.reserve(512);
  r += a.get ? "GET " : "POST ";
  if (a.path.empty()) {
    r += "/api/v1/assignments/";
    r += w.assignment;
    r += "/submission";
  } else {
    r += a.path;
  }
  r += " HTTP/1.1\r\nHost: ";
  r += a.host;
  r += "\r\nContent-Type: application/json\r\nCookie: xq_session=";
  r += w.token;
  r += "\r\nX-CSRF-Token: ";
  r += w.csrf;
  if (!a.get) {
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
  }
  r += "\r\n\r\n";
  r += body;
  return r;
}

// An answer's head, parsed from the bytes received so far.
struct Head {
  unsigned status = 0;
  size_t head_size = 0;  // through the blank line
  size_t content_length = 0;
  bool keep_alive = true;
};

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// nullopt: the head is not complete yet. Throws on a malformed head or a
// chunked answer (the server always sends a length).
std::optional<Head> ParseHead(std::string_view in) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > 64 * 1024) throw std::runtime_error("answer head too large");
    return std::nullopt;
  }
  Head h;
  h.head_size = end + 4;
  std::string_view head = in.substr(0, end);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) throw std::runtime_error("bad status line");
  h.status = static_cast<unsigned>(std::stoi(std::string(status_line.substr(9, 3))));
  h.keep_alive = status_line[7] == '1';
  while (eol != std::string_view::npos) {
    const size_t from = eol + 2;
    eol = head.find("\r\n", from);
    std::string_view line = head.substr(from, eol == std::string_view::npos ? std::string_view::npos : eol - from);
    if (HeaderIs(line, "content-length")) {
      h.content_length = std::stoull(std::string(Trim(line.substr(15))));
    } else if (HeaderIs(line, "connection")) {
      std::string v(Trim(line.substr(11)));
      for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (v == "close") h.keep_alive = false;
      if (v == "keep-alive") h.keep_alive = true;
    } else if (HeaderIs(line, "transfer-encoding")) {
      throw std::runtime_error("chunked answers are not expected");
    }
  }
  return h;
}

struct Stats {
  std::vector<uint32_t> latency_us;  // measured requests (after warm-up)
  int64_t ok = 0, repeats = 0, errors = 0, retries = 0, measured_ok = 0;
  std::vector<std::string> first_errors;
};

class Run {
 public:
  Run(asio::io_context& io, const Args& a, std::vector<WorkItem>& work) : io_(io), args_(a), work_(work) {
    if (!a.ack_log.empty()) {
      ack_ = std::fopen(a.ack_log.c_str(), "a");
      if (!ack_) throw std::runtime_error("cannot open " + a.ack_log);
    }
  }
  ~Run() {
    if (ack_) std::fclose(ack_);
  }

  // on_done runs when every connection has finished.
  void Start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    active_ = args_.connections;
    start_ = Clock::now();
    measure_from_ = start_ + Us(args_.warmup_s * 1e6);
    end_ = start_ + Us((args_.warmup_s + args_.duration_s) * 1e6);
    for (int k = 0; k < args_.connections; ++k)
      asio::co_spawn(io_, Connection(k), [this](std::exception_ptr e) {
        if (e) Error("connection failed unexpectedly");
        if (--active_ == 0 && on_done_) on_done_();
      });
  }

  void Stop() { stopped_ = true; }
  const Stats& stats() const { return stats_; }
  size_t next() const { return next_; }
  double measured_seconds() const { return args_.duration_s; }

 private:
  static Clock::duration Us(double us) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::micro>(us));
  }

  // The next student's sitting: consecutive work lines with the same
  // session, answered one after another on one connection as a student
  // answers a campaign's scales in turn. [begin, end) as indexes.
  std::optional<std::pair<size_t, size_t>> TakeSitting() {
    if (work_.empty()) return std::nullopt;
    if (next_ >= work_.size() && !args_.wrap) {
      if (!exhausted_) std::fprintf(stderr, "loadgen: the work file ran out after %zu requests\n", next_);
      exhausted_ = true;
      return std::nullopt;
    }
    const size_t begin = next_;
    const std::string& token = work_[begin % work_.size()].token;
    do ++next_;
    while ((args_.wrap || next_ < work_.size()) && next_ - begin < work_.size() &&
           work_[next_ % work_.size()].token == token);
    return std::make_pair(begin, next_);
  }

  asio::awaitable<void> Connection(int k) {
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    boost::system::error_code ec;
    auto endpoints = co_await resolver.async_resolve(args_.host, std::to_string(args_.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Error(fmt::format("resolve: {}", ec.message()));
      co_return;
    }
    std::optional<tcp::socket> sock;
    std::string in;  // bytes received and not yet consumed
    asio::steady_timer timer(ex);
    int64_t j = 0;                   // this connection's request count (open loop)
    size_t at = 0, sitting_end = 0;  // the sitting in progress
    const double per_conn_interval_us = args_.rate > 0 ? 1e6 * args_.connections / args_.rate : 0;
    while (!stopped_) {
      Clock::time_point scheduled = Clock::now();
      if (args_.rate > 0) {
        scheduled =
            start_ + Us((static_cast<double>(j) + static_cast<double>(k) / args_.connections) * per_conn_interval_us);
        ++j;
        if (scheduled >= end_) break;
        if (scheduled > Clock::now()) {
          timer.expires_at(scheduled);
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
      } else if (scheduled >= end_) {
        break;
      }
      if (at == sitting_end) {
        auto sitting = TakeSitting();
        if (!sitting) break;
        std::tie(at, sitting_end) = *sitting;
      }
      const WorkItem& w = work_[at++ % work_.size()];
      const bool critical = w.phq9 && IsCritical(w.assignment, args_.critical_per_mille);
      const std::string req = RequestBytes(args_, w, critical);
      for (int attempt = 0;; ++attempt) {
        if (stopped_) co_return;
        if (!sock) {
          sock.emplace(ex);
          co_await asio::async_connect(*sock, endpoints, asio::redirect_error(asio::use_awaitable, ec));
          if (ec) {
            sock.reset();
            if (!args_.retry) {
              Error(fmt::format("connect: {}", ec.message()));
              co_return;
            }
            ++stats_.retries;
            timer.expires_after(std::chrono::milliseconds(50));
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
          }
          sock->set_option(tcp::no_delay(true));
          in.clear();
        }
        co_await asio::async_write(*sock, asio::buffer(req), asio::redirect_error(asio::use_awaitable, ec));
        std::optional<Head> head;
        std::string_view body;
        while (!ec) {
          try {
            if (!head) head = ParseHead(in);
          } catch (const std::exception&) {
            ec = asio::error::invalid_argument;
            break;
          }
          if (head && in.size() >= head->head_size + head->content_length) {
            body = std::string_view(in).substr(head->head_size, head->content_length);
            break;
          }
          char chunk[16384];
          const size_t n =
              co_await sock->async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
          in.append(chunk, n);
        }
        const unsigned status = ec ? 0 : head->status;
        const bool keep_alive = !ec && head->keep_alive;
        const std::string error_body =
            status == 200 || status == 201 ? std::string() : std::string(body.substr(0, 300));
        if (!ec) in.erase(0, head->head_size + head->content_length);
        if (status == 200 || status == 201) {
          const auto done = Clock::now();
          ++stats_.ok;
          if (status == 200) ++stats_.repeats;
          if (scheduled >= measure_from_ && done <= end_ + std::chrono::seconds(5)) {
            ++stats_.measured_ok;
            stats_.latency_us.push_back(
                static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(done - scheduled).count()));
          }
          if (ack_)
            std::fprintf(ack_, "%s\tbench-%s\t%d\t%u\n", w.assignment.c_str(), w.assignment.c_str(), critical ? 1 : 0,
                         status);
          if (!keep_alive) {
            sock.reset();
            in.clear();
          }
          break;
        }
        sock.reset();
        in.clear();
        if (!args_.retry || (status >= 400 && status < 500)) {
          Error(status ? fmt::format("HTTP {}: {}", status, error_body) : fmt::format("transport: {}", ec.message()));
          break;
        }
        ++stats_.retries;
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  }

  void Error(std::string what) {
    ++stats_.errors;
    if (stats_.first_errors.size() < 5) stats_.first_errors.push_back(std::move(what));
  }

  asio::io_context& io_;
  const Args& args_;
  std::vector<WorkItem>& work_;
  size_t next_ = 0;
  bool exhausted_ = false;
  bool stopped_ = false;
  Clock::time_point start_, measure_from_, end_;
  Stats stats_;
  FILE* ack_ = nullptr;
  int active_ = 0;
  std::function<void()> on_done_;
};

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)] / 1000.0;
}

int Usage(const char* msg) {
  std::fprintf(stderr,
               "ingest_loadgen: %s\nusage: ingest_loadgen --work FILE [--host H] [--port P] [--from K] "
               "[--connections C] [--duration S] [--warmup S] [--rate R] [--critical-per-mille N] "
               "[--retry] [--ack-log FILE] [--json FILE] [--label L] [--path /fixed [--get]] [--wrap]\n",
               msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto val = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    try {
      if (k == "--retry") {
        a.retry = true;
        continue;
      }
      if (k == "--get") {
        a.get = true;
        continue;
      }
      if (k == "--wrap") {
        a.wrap = true;
        continue;
      }
      if (!(v = val())) return Usage(("missing value for " + k).c_str());
      if (k == "--host")
        a.host = *v;
      else if (k == "--port")
        a.port = std::stoi(*v);
      else if (k == "--work")
        a.work = *v;
      else if (k == "--from")
        a.from = std::stoull(*v);
      else if (k == "--connections")
        a.connections = std::stoi(*v);
      else if (k == "--duration")
        a.duration_s = std::stod(*v);
      else if (k == "--warmup")
        a.warmup_s = std::stod(*v);
      else if (k == "--rate")
        a.rate = std::stod(*v);
      else if (k == "--critical-per-mille")
        a.critical_per_mille = std::stoi(*v);
      else if (k == "--ack-log")
        a.ack_log = *v;
      else if (k == "--json")
        a.json_out = *v;
      else if (k == "--label")
        a.label = *v;
      else if (k == "--path")
        a.path = *v;
      else
        return Usage(("unknown option " + k).c_str());
    } catch (const std::exception&) {
      return Usage(("bad value for " + k).c_str());
    }
  }
  if (a.work.empty()) return Usage("--work is required");
  if (a.connections < 1 || a.duration_s <= 0 || a.warmup_s < 0 || a.rate < 0) return Usage("bad numbers");
  if (a.get && a.path.empty()) return Usage("--get needs --path");

  std::vector<WorkItem> work;
  {
    std::ifstream in(a.work);
    if (!in) return Usage(("cannot read " + a.work).c_str());
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      if (n++ < a.from) continue;
      size_t t1 = line.find('\t'), t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
      size_t t3 = t2 == std::string::npos ? t2 : line.find('\t', t2 + 1);
      if (t3 == std::string::npos) {
        std::fprintf(stderr, "%s:%zu:1: expected token<TAB>csrf<TAB>assignment_id<TAB>instrument\n", a.work.c_str(), n);
        return 2;
      }
      const std::string instrument = line.substr(t3 + 1);
      if (instrument != "phq9" && instrument != "gad7") {
        std::fprintf(stderr, "%s:%zu:%zu: instrument must be phq9 or gad7\n", a.work.c_str(), n, t3 + 2);
        return 2;
      }
      work.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1, t3 - t2 - 1),
                      instrument == "phq9"});
    }
  }

  asio::io_context io(1);
  Run run(io, a, work);
  // Ctrl-C / SIGTERM end the run early; the figures so far are printed.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) run.Stop();
    io.stop();
  });
  // A last answer may never come (a server killed for good): give up 30 s
  // after the end of the schedule.
  asio::steady_timer deadline(io);
  deadline.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.warmup_s + a.duration_s + 30)));
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    std::fprintf(stderr, "loadgen: gave up waiting for the last answers\n");
    run.Stop();
    io.stop();
  });
  const auto t0 = Clock::now();
  run.Start([&] {
    signals.cancel();
    deadline.cancel();
  });
  io.run();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();

  Stats s = run.stats();
  std::sort(s.latency_us.begin(), s.latency_us.end());
  const double rate = static_cast<double>(s.measured_ok) / a.duration_s;
  const std::string json = fmt::format(
      "{{\"label\":\"{}\",\"mode\":\"{}\",\"target_rate\":{},\"connections\":{},\"duration_s\":{},"
      "\"warmup_s\":{},\"requests_ok\":{},\"repeats\":{},\"errors\":{},\"retries\":{},\"measured_ok\":{},"
      "\"rate_per_s\":{:.0f},\"p50_ms\":{:.2f},\"p90_ms\":{:.2f},\"p99_ms\":{:.2f},\"p999_ms\":{:.2f},"
      "\"max_ms\":{:.2f},\"wall_s\":{:.1f},\"work_used\":{}}}",
      a.label, a.rate > 0 ? "open" : "closed", a.rate, a.connections, a.duration_s, a.warmup_s, s.ok, s.repeats,
      s.errors, s.retries, s.measured_ok, rate, Percentile(s.latency_us, 50), Percentile(s.latency_us, 90),
      Percentile(s.latency_us, 99), Percentile(s.latency_us, 99.9),
      s.latency_us.empty() ? 0.0 : s.latency_us.back() / 1000.0, wall, run.next());
  std::cout << json << std::endl;
  for (const auto& e : s.first_errors) std::fprintf(stderr, "loadgen: error: %s\n", e.c_str());
  if (!a.json_out.empty()) {
    std::ofstream out(a.json_out);
    out << json << "\n";
  }
  return s.errors > 0 && !a.retry ? 1 : 0;
}
