#include "RequestExecutor.hpp"

#include <exception>
#include <type_traits>
#include <variant>

#include "core/CpuWork.hpp"
#include "core/Log.hpp"

namespace slowio {

HttpResponse execute_blocking(Application& app, const HttpRequest& request) {
    try {
        Outcome outcome = app.handler.handle(request);
        return std::visit(
            [&](auto& step) -> HttpResponse {
                using Step = std::decay_t<decltype(step)>;
                if constexpr (std::is_same_v<Step, HttpResponse>) {
                    return std::move(step);
                } else if constexpr (std::is_same_v<Step, StoreCall>) {
                    return app.handler.finish(step, app.store.fetch_blocking(step));
                } else {
                    static_assert(std::is_same_v<Step, CpuWork>);
                    return app.handler.finish(step, run_cpu_work(step.n));
                }
            },
            outcome);
    } catch (const std::exception& e) {
        log(LogLevel::error, "{} {} failed: {}", request.method, request.target, e.what());
        return error_response(500, "internal error", /*close=*/true);
    }
}

}  // namespace slowio
