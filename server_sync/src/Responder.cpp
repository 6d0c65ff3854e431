#include "server_sync/Responder.hpp"

#include <exception>
#include <type_traits>
#include <variant>

#include "core/CpuWork.hpp"
#include "core/Log.hpp"

namespace slowio::sync {

HttpResponse Responder::respond(const HttpRequest& request) const {
    try {
        Outcome outcome = app_.handler.handle(request);
        return std::visit(
            [&](auto& step) -> HttpResponse {
                using Step = std::decay_t<decltype(step)>;
                if constexpr (std::is_same_v<Step, HttpResponse>) {
                    return std::move(step);
                } else if constexpr (std::is_same_v<Step, StoreCall>) {
                    return app_.handler.finish(step, app_.store.fetch_blocking(step));
                } else {
                    static_assert(std::is_same_v<Step, CpuWork>);
                    return app_.handler.finish(step, run_cpu_work(step.n));
                }
            },
            outcome);
    } catch (const std::exception& e) {
        log(LogLevel::error, "{} {} failed: {}", request.method, request.target, e.what());
        return error_response(500, "internal error", /*close=*/true);
    }
}

}  // namespace slowio::sync
