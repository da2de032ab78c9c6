# Sourced by the scripts: tool paths and settings shared by build, run and test.
# npm's wasm-opt 132 must come before any /usr/bin/wasm-opt.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# A CI run builds once from cold: incremental caches only cost disk and time there.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
