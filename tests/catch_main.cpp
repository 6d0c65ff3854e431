// The main shared by the test executables that need nothing but Catch's own options.
#include "CatchSession.hpp"

int main(int argc, char** argv) {
    return slowio::test::run_catch_session(argc, argv);
}
