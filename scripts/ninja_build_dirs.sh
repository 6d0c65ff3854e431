# Sourced by scripts/test.sh and scripts/bench.sh. The presets use Ninja; a build directory configured by
# another generator (they used Unix Makefiles before) cannot be reconfigured, so it is removed, with a line
# saying so. Usage: remove_foreign_build_dirs PRESET...
remove_foreign_build_dirs() {
  local preset cache
  for preset in "$@"; do
    cache="build/${preset}/CMakeCache.txt"
    if [[ -f "${cache}" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "${cache}"; then
      echo "== build/${preset} was configured with another generator: removed (the presets use Ninja)"
      rm -rf "build/${preset}"
    fi
  done
}
