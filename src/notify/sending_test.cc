// An urgent notice reaches the school's group robot through the outbox and
// a job: PostNotices publishes notice.posted in the change's transaction,
// the subscription schedules notify.send, and the job, failing first
// (the receiver answers 500), is retried by the runner after its back-off.
#include <unistd.h>

#include <utility>

#include <boost/asio.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "crypto/key_source.h"
#include "crypto/keyring.h"
#include "db/row.h"
#include "events/dispatcher.h"
#include "gtest/gtest.h"
#include "jobs/jobs.h"
#include "notice/notice_store.h"
#include "notify/notify_service.h"
#include "policy/neutral_words.h"

namespace xq::notify {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST(Sending, UrgentNoticeIsSentByAJobAndRetriedAfterAFailure) {
  // The receiver: 500 to the first POST, 200 to the second.
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const int port = acceptor.local_endpoint().port();
  std::vector<std::string> bodies, request_lines;
  std::mutex mu;
  std::thread rx([&] {
    for (int i = 0; i < 2; ++i) {
      tcp::socket s(io);
      acceptor.accept(s);
      std::string buf;
      char chunk[4096];
      size_t need = std::string::npos;
      for (;;) {
        boost::system::error_code ec;
        size_t n = s.read_some(asio::buffer(chunk), ec);
        if (ec) break;
        buf.append(chunk, n);
        size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos)
          need = end + 4 + std::stoul(buf.substr(buf.find("Content-Length: ") + 16));
        if (need != std::string::npos && buf.size() >= need) break;
      }
      {
        std::lock_guard lk(mu);
        bodies.push_back(buf.substr(buf.find("\r\n\r\n") + 4));
        request_lines.push_back(buf.substr(0, buf.find("\r\n")));
      }
      const std::string answer =
          i == 0 ? "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                 : "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"errcode\":0}";
      asio::write(s, asio::buffer(answer));
    }
  });

  auto path = (std::filesystem::temp_directory_path() / ("xq_notify_" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  auto db = db::Database::Open("sqlite:" + path).value();
  ASSERT_TRUE(db::Migrate(*db).ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/send?key=k";
  ASSERT_TRUE(
      db->Run([&](soci::session& s) {
          s << "INSERT INTO org_units (id, kind, name, path, created_at) VALUES (1, 'city', 'c', '/1/', 0)";
          s << "INSERT INTO org_units (id, parent_id, kind, name, path, school_id, created_at) VALUES (5, 1, 'school', "
               "'s', '/1/5/', 5, 0)";
          s << "INSERT INTO accounts (id, username, password_hash, display_name, person_type, created_at, updated_at) "
               "VALUES (42, 'psych', 'x', '李老师', 'staff', 0, 0)";
          s << "INSERT INTO role_assignments (id, account_id, role, org_unit_id, school_id, created_at) "
               "VALUES (7, 42, 'psych_staff', 5, 5, 0)";
          s << "INSERT INTO notify_channels (unit_id, school_id, site_url, webhook_url, updated_at, updated_by) "
               "VALUES (5, 5, 'http://xq.local', :u, 0, 0)",
              soci::use(url);
          return absl::OkStatus();
        }).ok());
  // The URL was stored in clear (as before the secrets were sealed): the
  // server seals it at start; the job opens it to send.
  crypto::KeySource keys(crypto::KeyRing::Ephemeral(), "");
  ASSERT_TRUE(SealStoredSecrets(*db, *keys.Get()).ok());
  std::string stored;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT webhook_url FROM notify_channels WHERE unit_id = 5", soci::into(stored);
                  return absl::OkStatus();
                }).ok());
  EXPECT_TRUE(crypto::LooksSealed(stored)) << stored;
  EXPECT_EQ(stored.find("key=k"), std::string::npos) << "the robot's key is not stored in clear";
  ASSERT_TRUE(SealStoredSecrets(*db, *keys.Get()).ok()) << "idempotent";
  FakeClock clock;
  // An urgent notice naming a student in its params, and a plain one.
  ASSERT_TRUE(db->InTransaction([&](soci::session& s) {
                  notice::Notice urgent;
                  urgent.school_id = 5;
                  urgent.account_id = 42;
                  urgent.kind = "warning";
                  urgent.params = {{"student", "王小明"}};
                  urgent.link = "/warnings/9";
                  urgent.urgent = true;
                  notice::Notice plain = urgent;
                  plain.urgent = false;
                  plain.kind = "grant_requested";
                  notice::PostNotices(s, {urgent, plain}, clock.NowMicros());
                  return absl::OkStatus();
                }).ok());

  events::Dispatcher d(*db, clock, {.settle_us = 0});
  d.Subscribe(UrgentNoticeSubscription(clock));
  ASSERT_TRUE(d.DeliverPending().ok());
  jobs::JobRunner runner(*db, clock);
  HandleSendJobs(runner, clock, keys);
  auto first = runner.RunDue();
  ASSERT_TRUE(first.ok());
  // The job's key names the channel and the notice.
  std::string key;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT job_key FROM jobs WHERE kind = 'notify.send'", soci::into(key);
                  return absl::OkStatus();
                }).ok());
  ASSERT_TRUE(key.starts_with("webhook:")) << key;
  auto failed = jobs::GetJob(*db, std::string(kSendJob), key).value();
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->state, "pending") << "failed once: due again later";
  EXPECT_NE(failed->last_error.find("500"), std::string::npos) << failed->last_error;
  EXPECT_EQ(runner.RunDue().value(), 0) << "not before its back-off";
  clock.Advance(int64_t{11} * 1'000'000);
  ASSERT_TRUE(runner.RunDue().ok());
  auto done = jobs::GetJob(*db, std::string(kSendJob), key).value();
  EXPECT_EQ(done->state, "done");
  rx.join();

  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(request_lines[1], "POST /send?key=k HTTP/1.1") << "sent to the opened URL";
  const std::string expected =
      "{\"msgtype\":\"text\",\"text\":{\"content\":\"您有 1 条紧急待办，请登录心桥处理：http://xq.local/warnings/9\"}}";
  EXPECT_EQ(bodies[0], expected);
  EXPECT_EQ(bodies[1], expected);
  EXPECT_EQ(bodies[1].find("王小明"), std::string::npos) << "no student name";
  EXPECT_TRUE(policy::DiagnosticWordsIn(bodies[1]).empty());
  long long sent = 0;
  ASSERT_TRUE(db->Run([&](soci::session& s) {
                  s << "SELECT COUNT(*) FROM notify_sent WHERE account_id = 42 AND channel = 'webhook'",
                      soci::into(sent);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(sent, 1);
  db.reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace xq::notify
