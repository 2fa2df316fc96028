// The runtime's thread pool (see ThreadPool.h).
#include "runtime/src/ThreadPool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace lmc::runtime {
namespace {

void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// How long a thread polls before it sleeps (an idle worker for the next
// job, the caller for the workers to finish): longer than the serial
// stretch between two parallel loops of a decode step, short enough that an
// idle pool costs nothing measurable.
constexpr std::chrono::microseconds kSpin(200);

// Polls until `done()` or kSpin has passed, with `lock` released meanwhile.
template <typename Done> void pollUnlocked(std::unique_lock<std::mutex> &lock, Done done) {
  lock.unlock();
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0; !done(); ++i) {
    cpuRelax();
    if (i % 64 == 63 && std::chrono::steady_clock::now() > until)
      break;
  }
  lock.lock();
}

}  // namespace

ThreadPool::ThreadPool(int numThreads) {
  for (int i = 1; i < numThreads; ++i)
    workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread &t : workers_)
    t.join();
}

int ThreadPool::hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

void ThreadPool::work(Job &job) {
  for (int64_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.count;) {
    try {
      (*job.fn)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!job.error)
        job.error = std::current_exception();
      // Skip the remaining items: the run has failed.
      job.next.store(job.count, std::memory_order_relaxed);
    }
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (!stop_ && !(current_ && generation_ != seen))
      pollUnlocked(lock, [&] { return published_.load(std::memory_order_acquire) != seen; });
    wake_.wait(lock, [&] { return stop_ || (current_ && generation_ != seen); });
    if (stop_)
      return;
    seen = generation_;
    Job &job = *current_;
    ++job.active;
    lock.unlock();
    work(job);
    lock.lock();
    if (--job.active == 0)
      idle_.notify_all();
  }
}

void ThreadPool::run(int64_t count, const std::function<void(int64_t)> &fn) {
  if (count <= 0)
    return;
  if (workers_.empty() || count == 1) {
    for (int64_t i = 0; i < count; ++i)
      fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.count = count;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = &job;
    published_.store(++generation_, std::memory_order_release);
  }
  wake_.notify_all();
  work(job);
  std::unique_lock<std::mutex> lock(mu_);
  // No worker may join once every item is taken and current_ is cleared;
  // wait for those inside to finish theirs (polling first, as they do).
  current_ = nullptr;
  if (job.active.load(std::memory_order_relaxed) != 0)
    pollUnlocked(lock, [&] { return job.active.load(std::memory_order_acquire) == 0; });
  idle_.wait(lock, [&] { return job.active.load(std::memory_order_relaxed) == 0; });
  if (job.error)
    std::rethrow_exception(job.error);
}

} // namespace lmc::runtime
