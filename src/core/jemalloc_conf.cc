// jemalloc's options, read once at start (linked only with jemalloc:
// cmake/Dependencies.cmake, target xq_allocator).
//
// thp: the server holds hundreds of megabytes of sessions and submission
// contexts that every request looks up at random; on 4 KiB pages those
// lookups miss the TLB (bench/ingest, 250,000 signed-in students: 9,300
// submissions/s at 155 us of server CPU each; with huge pages 12,400-12,900
// at 121-124 us). The kernel here gives huge pages only where asked
// (transparent_hugepage=madvise); jemalloc asks for its own memory.
// MALLOC_CONF in the environment still overrides these.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}
