#include "server_sync/HillClimbing.hpp"

#include <algorithm>
#include <cmath>

namespace slowio::sync {

namespace {

// The runtime's defaults (HillClimbing.CreateHillClimber).
constexpr int max_wave_magnitude = 20;
constexpr double wave_magnitude_multiplier = 1.0;
constexpr double target_throughput_ratio = 0.15;  ///< Bias: a thread must add 15% to be worth it
constexpr double target_signal_to_noise = 3.0;
constexpr double max_change_per_second = 4;
constexpr double max_change_per_sample = 20;
constexpr int sample_ms_low = 10;
constexpr int sample_ms_high = 200;
constexpr double error_smoothing = 0.01;
constexpr double gain_exponent = 2.0;
constexpr double max_sample_error = 0.15;
constexpr int cpu_utilization_high = 95;

}  // namespace

HillClimbing::HillClimbing(std::uint32_t seed)
    : throughput_(samples_to_measure), thread_counts_(samples_to_measure), random_(seed) {
    sample_ms_ = std::uniform_int_distribution<int>(sample_ms_low, sample_ms_high)(random_);
}

HillClimbing::Component HillClimbing::wave_component(const std::vector<double>& samples, int count,
                                                     double period) const {
    // Goertzel: the one Fourier coefficient at frequency 1/period over the last `count` samples.
    const double w = 2 * M_PI / period;
    const double cosine = std::cos(w);
    const double coeff = 2 * cosine;
    double q1 = 0, q2 = 0;
    for (int i = 0; i < count; ++i) {
        const double q0 = coeff * q1 - q2 + samples[(total_samples_ - count + i) % samples_to_measure];
        q2 = q1;
        q1 = q0;
    }
    return {(q1 - q2 * cosine) / count, q2 * std::sin(w) / count};
}

void HillClimbing::change_goal(std::size_t goal) {
    last_goal_ = goal;
    sample_ms_ = std::uniform_int_distribution<int>(sample_ms_low, sample_ms_high)(random_);
}

void HillClimbing::force_change(std::size_t goal) {
    if (goal == last_goal_) return;
    control_ += static_cast<double>(goal) - static_cast<double>(last_goal_);
    change_goal(goal);
}

// A faithful port of HillClimbing.Update (dotnet/runtime, PortableThreadPool.HillClimbing.cs), kept in one
// piece so that it reads line for line against the original: hence longer than one screen.
HillClimbing::Decision HillClimbing::update(std::size_t goal, double seconds, std::int64_t completions,
                                            int cpu, std::size_t min_threads, std::size_t max_threads) {
    if (goal != last_goal_) force_change(goal);
    seconds += accumulated_seconds_;
    completions += accumulated_completions_;
    // Each of the other goal − 1 threads may have an item half done at either edge of the sample, so the
    // count is off by up to goal − 1: keep sampling until that is under 15% of it.
    if (total_samples_ > 0 &&
        (completions == 0
             ? goal > 1
             : (static_cast<double>(goal) - 1.0) / static_cast<double>(completions) >= max_sample_error)) {
        accumulated_seconds_ = seconds;
        accumulated_completions_ = completions;
        return {goal, 10, false, {}};
    }
    accumulated_seconds_ = 0;
    accumulated_completions_ = 0;

    const int index = static_cast<int>(total_samples_ % samples_to_measure);
    throughput_[index] = seconds > 0 ? static_cast<double>(completions) / seconds : 0;
    thread_counts_[index] = static_cast<double>(goal);
    ++total_samples_;

    double ratio = 0;
    double confidence = 0;
    double throughput_noise = 0;
    // A whole number of wave periods, at least two of them, or the wave falls between two frequency bands.
    const int count = static_cast<int>(std::min<std::int64_t>(total_samples_ - 1, samples_to_measure)) /
                      wave_period * wave_period;
    if (count > wave_period) {
        double throughput_sum = 0, thread_sum = 0;
        for (int i = 0; i < count; ++i) {
            throughput_sum += throughput_[(total_samples_ - count + i) % samples_to_measure];
            thread_sum += thread_counts_[(total_samples_ - count + i) % samples_to_measure];
        }
        const double mean_throughput = throughput_sum / count;
        const double mean_threads = thread_sum / count;
        if (mean_throughput > 0 && mean_threads > 0) {
            const double bands = static_cast<double>(count) / wave_period;
            const double adjacent1 = count / (bands + 1);
            const double adjacent2 = count / (bands - 1);
            const Component tp = wave_component(throughput_, count, wave_period);
            const Component tp_wave{tp.re / mean_throughput, tp.im / mean_throughput};
            const Component n1 = wave_component(throughput_, count, adjacent1);
            throughput_noise = std::hypot(n1.re, n1.im) / mean_throughput;
            if (adjacent2 <= count) {
                const Component n2 = wave_component(throughput_, count, adjacent2);
                throughput_noise = std::max(throughput_noise, std::hypot(n2.re, n2.im) / mean_throughput);
            }
            const Component th = wave_component(thread_counts_, count, wave_period);
            const Component th_wave{th.re / mean_threads, th.im / mean_threads};
            average_noise_ = average_noise_ == 0 ? throughput_noise
                                                 : error_smoothing * throughput_noise +
                                                       (1 - error_smoothing) * average_noise_;
            const double th_abs2 = th_wave.re * th_wave.re + th_wave.im * th_wave.im;
            if (th_abs2 > 0) {
                // Real part of (throughput wave − bias × thread wave) / thread wave.
                const Component num{tp_wave.re - target_throughput_ratio * th_wave.re,
                                    tp_wave.im - target_throughput_ratio * th_wave.im};
                ratio = (num.re * th_wave.re + num.im * th_wave.im) / th_abs2;
            }
            const double noise = std::max(average_noise_, throughput_noise);
            confidence = noise > 0 ? (std::sqrt(th_abs2) / noise) / target_signal_to_noise : 1.0;
        }
    }

    double move = std::clamp(ratio, -1.0, 1.0) * std::clamp(confidence, 0.0, 1.0);
    // Non-linear gain: small moves near the target, fast ones far from it.
    const double gain = max_change_per_second * seconds;
    move = std::pow(std::abs(move), gain_exponent) * (move >= 0 ? 1 : -1) * gain;
    move = std::min(move, max_change_per_sample);
    if (move > 0 && cpu > cpu_utilization_high) move = 0;
    control_ += move;

    int magnitude = static_cast<int>(0.5 + control_ * average_noise_ * target_signal_to_noise *
                                               wave_magnitude_multiplier * 2.0);
    magnitude = std::clamp(magnitude, 1, max_wave_magnitude);
    const double lo = static_cast<double>(min_threads);
    const double hi = static_cast<double>(max_threads);
    control_ = std::max(lo, std::min(hi - magnitude, control_));
    const auto square = static_cast<double>(magnitude * ((total_samples_ / (wave_period / 2)) % 2));
    const auto new_goal = static_cast<std::size_t>(std::clamp(std::floor(control_ + square), lo, hi));
    if (new_goal != goal) change_goal(new_goal);

    // At the minimum with more threads seeming to hurt, look again only rarely.
    const int next_ms = ratio < 0 && new_goal == min_threads
                            ? static_cast<int>(0.5 + sample_ms_ * (10.0 * std::min(-ratio, 1.0)))
                            : sample_ms_;
    return {new_goal,
            next_ms,
            true,
            {seconds, throughput_[index], throughput_noise, average_noise_, ratio, confidence, control_,
             magnitude}};
}

}  // namespace slowio::sync
