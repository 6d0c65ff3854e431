#include "core/ConnectionRejection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <string>

#include "core/LingeringClose.hpp"
#include "core/Log.hpp"

namespace slowio {

namespace {

/// The socket and the bytes live in this frame until the close completes.
asio::awaitable<void> answer_and_close(asio::ip::tcp::socket socket, std::string bytes) {
    // No structured bindings on co_await results and no co_await inside a condition: GCC 12 miscompiles
    // both in coroutine frames.
    const auto written = co_await asio::async_write(socket, asio::buffer(bytes),
                                                    asio::experimental::as_tuple(asio::use_awaitable));
    const bool ok = !std::get<0>(written);
    if (ok) co_await lingering_close(socket);
}

}  // namespace

void reject_connection(asio::ip::tcp::socket socket, const HttpResponse& response, Metrics& metrics,
                       std::string_view reason) {
    metrics.count_rejected(reason);
    metrics.count_response(response.status);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, answer_and_close(std::move(socket), serialize(response, false, http_date())),
                   LogCoroutineFailure{"connection rejection"});
}

}  // namespace slowio
