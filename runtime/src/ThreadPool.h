// A small fixed-size thread pool that runs the kernels' parallel loops
// (kernels::ParallelRunner): the calling thread works too, so N threads
// means N-1 workers.
#ifndef LMC_RUNTIME_THREADPOOL_H
#define LMC_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/kernels/Kernels.h"

namespace lmc::runtime {

class ThreadPool final : public kernels::ParallelRunner {
public:
  // numThreads >= 1; starts numThreads - 1 workers.
  explicit ThreadPool(int numThreads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int numThreads() const override { return static_cast<int>(workers_.size()) + 1; }
  // Not reentrant: fn must not call run() on the same pool. An exception
  // thrown by fn is rethrown here once every call has finished.
  void run(int64_t count, const std::function<void(int64_t)> &fn) override;

  // The number of hardware threads, at least 1.
  static int hardwareThreads();

private:
  // One run(): workers join it only while it is `current_`, so none can
  // touch it after run() returns.
  struct Job {
    const std::function<void(int64_t)> *fn;
    int64_t count;
    std::atomic<int64_t> next{0};
    std::atomic<int> active{0};  // workers inside, changed under mu_
    std::exception_ptr error; // first exception, guarded by mu_
  };

  void workerLoop();
  void work(Job &job);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  Job *current_ = nullptr;
  uint64_t generation_ = 0;
  // generation_, readable without the lock: an idle worker polls it for a
  // while before it sleeps, so the next parallel loop of a run (often a few
  // microseconds later) does not wait for a wake-up.
  std::atomic<uint64_t> published_{0};
  bool stop_ = false;
};

} // namespace lmc::runtime

#endif // LMC_RUNTIME_THREADPOOL_H
