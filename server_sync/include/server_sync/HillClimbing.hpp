#pragma once
/// \file .NET's hill climbing (dotnet/runtime PortableThreadPool.HillClimbing.cs), the throughput-driven part
/// of the elastic pool's thread-count goal, re-derived from its description and constants.
///
/// It moves the goal in a square wave (period 4 samples, magnitude ≥ 1) around a control setting and, once at
/// least 8 samples exist, measures with a Goertzel filter how much of the wave shows up in the throughput:
/// in phase means more threads help (climb), out of phase means they hurt (descend), noise in the adjacent
/// frequency bands lowers the confidence. A sample closes on a work-item completion, only once it holds
/// enough completions that the ±(threads − 1) counting error is below 15%: with threads that sleep L seconds
/// that takes about 6.7·L·(threads − 1)/threads seconds, so in a blocking workload the wave itself — one
/// extra thread every other pair of samples — is most of what hill climbing does.

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace slowio::sync {

/// The hill climber of one pool. Not thread-safe: the pool calls it under its lock.
class HillClimbing {
  public:
    /// What one accepted sample computed: the fields of the runtime's ThreadPoolWorkerThreadAdjustmentStats
    /// event, so a trace of the real runtime can be replayed through this class and compared field by field.
    struct Stats {
        double duration = 0;    ///< Duration: this sample's seconds, with those of refused ones carried in
        double throughput = 0;  ///< completions / seconds of this sample
        double throughput_noise = 0;  ///< ThroughputErrorEstimate: the adjacent bands' larger component
        double average_noise = 0;     ///< AverageThroughputErrorEstimate: its moving average
        double ratio = 0;       ///< ThroughputRatio: real part of the biased throughput/thread wave ratio
        double confidence = 0;  ///< Confidence
        double control = 0;     ///< NewControlSetting
        int magnitude = 0;      ///< NewThreadWaveMagnitude
    };

    /// The outcome of update(): the new goal and how long the next sample should be; `accepted` is false when
    /// the sample was too short to judge (its completions are carried into the next) and `stats` is then
    /// unset.
    struct Decision {
        std::size_t goal = 0;
        int sample_ms = 0;
        bool accepted = false;
        Stats stats;
    };

    /// `seed` fixes the random sample intervals (10–200 ms) for tests.
    explicit HillClimbing(std::uint32_t seed = std::random_device{}());

    /// One sample: `goal` threads ran for `seconds` and completed `completions` items; `cpu` is the process
    /// CPU use in percent (a positive move is refused above 95%). Returns the new goal within [min, max].
    Decision update(std::size_t goal, double seconds, std::int64_t completions, int cpu,
                    std::size_t min_threads, std::size_t max_threads);

    /// Someone else (starvation, blocking, retirement) set the goal: keep the control setting in step.
    void force_change(std::size_t goal);

  private:
    struct Component {
        double re = 0;
        double im = 0;
    };
    Component wave_component(const std::vector<double>& samples, int count, double period) const;
    void change_goal(std::size_t goal);

    static constexpr int wave_period = 4;
    static constexpr int samples_to_measure = wave_period * 8;

    std::vector<double> throughput_;
    std::vector<double> thread_counts_;
    std::int64_t total_samples_ = 0;
    std::size_t last_goal_ = 0;
    double control_ = 0;
    double average_noise_ = 0;
    double accumulated_seconds_ = 0;
    std::int64_t accumulated_completions_ = 0;
    int sample_ms_ = 0;
    std::mt19937 random_;
};

}  // namespace slowio::sync
