#!/usr/bin/env bash
# Fills resources/bin/linux-x64/ with tor, tor-gencert, the pluggable transports and i2pd from Debian
# testing, using a private apt state in resources/.cache/apt (the system's apt and dpkg state are never
# touched, no root needed). Usage: fetch-binaries.sh [--force]   (see usage() for the environment)
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: resources/fetch-binaries.sh [--force]

Fetches tor, tor-gencert, lyrebird, webtunnel-client/-server, snowflake-client and i2pd from Debian
testing into resources/bin/linux-x64/ (bin/, lib/, share/tor/geoip{,6}, manifest.json), then checks
that every binary starts. Does nothing when manifest.json exists and every file it lists still
matches its SHA-256; --force refetches (downloaded .debs are cached in resources/.cache/apt).

Environment:
  UNDERPASS_DEBIAN_MIRROR  Debian archive URL (default: the first .../debian URI in the system's apt
                           sources, else http://deb.debian.org/debian)
EOF
}

FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

log() { printf 'fetch-binaries: %s\n' "$*" >&2; }
die() { printf 'fetch-binaries: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] && [ "$(uname -m)" = x86_64 ] ||
  die "only linux-x64 is supported (this is $(uname -s) $(uname -m))"
for tool in apt-get apt-cache dpkg-deb sha256sum node flock timeout; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done

PLATFORM=linux-x64
DEB_ARCH=amd64
MULTIARCH=x86_64-linux-gnu
LOADER_NAME=ld-linux-x86-64.so.2
SUITE=testing

RES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$RES/bin/$PLATFORM"
MANIFEST="$OUT/manifest.json"
CACHE="$RES/.cache"
APTD="$CACHE/apt"
DEBS="$APTD/debs"
WORK="$CACHE/work"

# name|package|path in the .deb|via loader (1: needs testing's libc)|probe|regex its output must match
# tor-gencert has no --version: --help is the cheapest "it loads and runs" check. webtunnel has no
# version flag at all; in managed mode it reports its version in the PT STATUS line.
BINARIES=(
  'tor|tor|usr/bin/tor|1|--version|^Tor version '
  'tor-gencert|tor|usr/bin/tor-gencert|1|--help|^tor-gencert '
  'i2pd|i2pd|usr/bin/i2pd|1|--version|^i2pd version '
  'lyrebird|lyrebird|usr/bin/lyrebird|0|-version|^lyrebird'
  'snowflake-client|snowflake-client|usr/bin/snowflake-client|0|-version|^snowflake-client '
  'webtunnel-client|webtunnel|usr/bin/webtunnel-client|0|pt-client|^STATUS TYPE=version IMPLEMENTATION="webtunnel"'
  'webtunnel-server|webtunnel|usr/bin/webtunnel-server|0|pt-server|^STATUS TYPE=version IMPLEMENTATION="webtunnel"'
)
DATA_PACKAGES=(tor-geoipdb) # share/tor/geoip{,6}

mkdir -p "$CACHE"
# One run at a time: two runs would share the apt state and the staging dirs.
exec 9>"$CACHE/.lock"
flock -n 9 || { log "another fetch-binaries run holds $CACHE/.lock; waiting"; flock 9; }

# ---------------------------------------------------------------------------------------------
# Idempotency: every file the manifest lists (binaries, libraries, data) still has its SHA-256.
manifest_sums() { # prints "<sha256>  <relative path>" for every file manifest.json lists
  node -e '
    const m = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    if (m.platform !== process.argv[2]) throw new Error("manifest is for " + m.platform);
    const entries = [...Object.values(m.binaries ?? {}), ...Object.entries(m.files ?? {}).map(([path, f]) => ({ ...f, path }))];
    if (entries.length === 0) throw new Error("manifest lists no files");
    for (const e of entries) {
      if (!/^[0-9a-f]{64}$/.test(e.sha256) || typeof e.path !== "string" || e.path.startsWith("/") || e.path.split("/").includes(".."))
        throw new Error("bad entry " + JSON.stringify(e));
      console.log(e.sha256 + "  " + e.path);
    }' "$MANIFEST" "$PLATFORM"
}

if [ "$FORCE" = 0 ] && [ -f "$MANIFEST" ]; then
  if sums="$(manifest_sums 2>/dev/null)" && (cd "$OUT" && sha256sum --check --quiet --strict <<<"$sums" >/dev/null 2>&1); then
    log "up to date: $(wc -l <<<"$sums") files in $OUT match manifest.json (use --force to refetch)"
    exit 0
  fi
  log "manifest.json is missing files or they changed; refetching"
fi

# ---------------------------------------------------------------------------------------------
# Private apt state for Debian testing.
detect_mirror() { # the first main-archive URI the system's apt uses, so we go through the same host
  {
    grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{ for (i = 2; i <= NF; i++) print $i }'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed 's/\[[^]]*\]//' | awk '{ print $2 }'
  } | grep -E '^https?://[^ ]+/debian/?$' | head -n 1 | sed 's:/$::'
  return 0
}
MIRROR="${UNDERPASS_DEBIAN_MIRROR:-$(detect_mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "$KEYRING is missing (package debian-archive-keyring)"

mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/state" "$APTD/preferences.d" "$DEBS"
printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$DEB_ARCH" "$KEYRING" "$MIRROR" "$SUITE" >"$APTD/sources.list"
: >"$APTD/status" # empty dpkg status: resolution must not see what the host has installed
: >"$APTD/preferences"
APT_OPTS=(
  -o "Dir::Etc::SourceList=$APTD/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::Etc::Preferences=$APTD/preferences" -o "Dir::Etc::PreferencesParts=$APTD/preferences.d"
  -o "Dir::State=$APTD/state" -o "Dir::State::Lists=$APTD/lists" -o "Dir::State::status=$APTD/status"
  -o "Dir::Cache=$APTD/cache" -o "APT::Architecture=$DEB_ARCH" -o "APT::Architectures=$DEB_ARCH"
  # Docker images switch the binary cache off; without it every apt-cache call re-parses the index.
  -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache=srcpkgcache.bin
  -o Acquire::Languages=none -o APT::Sandbox::User=root -o quiet=1
)
t0=$SECONDS
log "apt-get update ($MIRROR $SUITE, private state in ${APTD#"$RES/"})"
apt-get "${APT_OPTS[@]}" update >"$CACHE/apt-update.log" 2>&1 || { cat "$CACHE/apt-update.log" >&2; die "apt-get update failed"; }
grep -E '^(W|E|Err):' "$CACHE/apt-update.log" >&2 || true # e.g. offline: the cached index is used
# apt-get update only warns (exit 0) when the index could not be fetched; an empty list is fatal.
apt-cache "${APT_OPTS[@]}" show --no-all-versions tor >/dev/null 2>&1 ||
  { cat "$CACHE/apt-update.log" >&2; die "no package index for $SUITE from $MIRROR"; }

# ---------------------------------------------------------------------------------------------
# Package set: the binaries' packages, plus (for the binaries run through the loader) the closure of
# their Depends/PreDepends restricted to Section "libs". That skips adduser, runit-helper and the like
# (maintainer-script deps), and takes the first alternative of an "a | b" group.
declare -A PKG_VERSION PKG_ARCH PKG_SHA PKG_SECTION
load_meta() { # pkg... -> fills PKG_* from the candidate versions
  local pkg ver arch sha section
  while IFS=$'\t' read -r pkg ver arch sha section; do
    PKG_VERSION[$pkg]=$ver; PKG_ARCH[$pkg]=$arch; PKG_SHA[$pkg]=$sha; PKG_SECTION[$pkg]=${section##*/}
  done < <(apt-cache "${APT_OPTS[@]}" show --no-all-versions "$@" | awk '
    /^Package: / { p = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 }
    /^SHA256: / { s = $2 } /^Section: / { sec = $2 }
    /^$/ { if (p != "") print p "\t" v "\t" a "\t" s "\t" sec; p = v = a = s = sec = "" }
    END { if (p != "") print p "\t" v "\t" a "\t" s "\t" sec }')
  for pkg in "$@"; do
    if [ -z "${PKG_VERSION[$pkg]:-}" ]; then die "package '$pkg' is not in Debian $SUITE"; fi
  done
}
direct_deps() { # pkg... -> first alternative of each Depends/PreDepends (virtual: its first provider)
  apt-cache "${APT_OPTS[@]}" depends --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$@" | awk '
    /^  \|?(Pre)?Depends: / {
      alt = ($1 ~ /^\|/); pending = 0
      if (skip) { skip = alt; next }   # a later alternative of a group already served
      skip = alt
      if ($2 ~ /^</) { pending = 1; next }
      sub(/:.*/, "", $2); print $2; next
    }
    /^    [^ ]/ { if (pending) { sub(/:.*/, "", $1); print $1; pending = 0 } next }
    { pending = 0 }' | sort -u
}

TOP_PKGS=()
LOADER_PKGS=()
for row in "${BINARIES[@]}"; do
  IFS='|' read -r _ pkg _ via _ _ <<<"$row"
  if [[ " ${TOP_PKGS[*]} " != *" $pkg "* ]]; then TOP_PKGS+=("$pkg"); fi
  if [ "$via" = 1 ] && [[ " ${LOADER_PKGS[*]} " != *" $pkg "* ]]; then LOADER_PKGS+=("$pkg"); fi
done
TOP_PKGS+=("${DATA_PACKAGES[@]}")
load_meta "${TOP_PKGS[@]}"

declare -A IS_LIB=()
mapfile -t queue < <(printf '%s\n' libc6; direct_deps "${LOADER_PKGS[@]}") # libc6 always: it ships the loader
while [ "${#queue[@]}" -gt 0 ]; do
  unknown=()
  for dep in "${queue[@]}"; do
    if [ -z "${PKG_SECTION[$dep]:-}" ]; then unknown+=("$dep"); fi
  done
  if [ "${#unknown[@]}" -gt 0 ]; then load_meta "${unknown[@]}"; fi
  new=()
  for dep in "${queue[@]}"; do
    if [ "${PKG_SECTION[$dep]}" = libs ] && [ -z "${IS_LIB[$dep]:-}" ]; then IS_LIB[$dep]=1; new+=("$dep"); fi
  done
  queue=()
  if [ "${#new[@]}" -gt 0 ]; then mapfile -t queue < <(direct_deps "${new[@]}"); fi
done
mapfile -t LIB_PKGS < <(printf '%s\n' "${!IS_LIB[@]}" | sort)
ALL_PKGS=("${TOP_PKGS[@]}" "${LIB_PKGS[@]}")
log "packages: ${TOP_PKGS[*]}"
log "libraries: ${LIB_PKGS[*]}"

# ---------------------------------------------------------------------------------------------
# Download (cached): a .deb whose SHA-256 matches the index is not fetched again.
deb_file() { local p=$1 v=${PKG_VERSION[$1]}; printf '%s/%s_%s_%s.deb' "$DEBS" "$p" "${v//:/%3a}" "${PKG_ARCH[$p]}"; }
want=()
for pkg in "${ALL_PKGS[@]}"; do
  f="$(deb_file "$pkg")"
  if [ -f "$f" ] && [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${PKG_SHA[$pkg]}" ]; then continue; fi
  rm -f "$f"; want+=("$pkg=${PKG_VERSION[$pkg]}")
done
if [ "${#want[@]}" -gt 0 ]; then
  log "downloading ${#want[@]} .debs"
  (cd "$DEBS" && apt-get "${APT_OPTS[@]}" download "${want[@]}") >"$CACHE/apt-download.log" 2>&1 ||
    { cat "$CACHE/apt-download.log" >&2; die "apt-get download failed"; }
else
  log "all ${#ALL_PKGS[@]} .debs already cached"
fi
declare -A KEEP
for pkg in "${ALL_PKGS[@]}"; do
  f="$(deb_file "$pkg")"
  [ -f "$f" ] && [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${PKG_SHA[$pkg]}" ] || die "$f is missing or its SHA-256 does not match the index"
  KEEP[$f]=1
done
for f in "$DEBS"/*.deb; do # older versions
  if [ -e "$f" ] && [ -z "${KEEP[$f]:-}" ]; then rm -f "$f"; fi
done

# ---------------------------------------------------------------------------------------------
# Unpack each package into its own dir (so every file's package is known) and assemble a new tree
# next to the old one; it replaces the old one only after every check passed.
rm -rf "$WORK"
STAGE="$WORK/stage"
NEW="$WORK/$PLATFORM"
mkdir -p "$STAGE" "$NEW/bin" "$NEW/lib" "$NEW/share/tor"
for pkg in "${ALL_PKGS[@]}"; do dpkg-deb -x "$(deb_file "$pkg")" "$STAGE/$pkg"; done

TSV="$WORK/manifest.tsv" # rows for the manifest writer: B(inary) / F(ile) / P(ackage)
: >"$TSV"
for pkg in "${ALL_PKGS[@]}"; do printf 'P\t%s\t%s\n' "$pkg" "${PKG_VERSION[$pkg]}" >>"$TSV"; done
add_file() { # relative path in NEW, package
  printf 'F\t%s\t%s\t%s\t%s\n' "$1" "$2" "${PKG_VERSION[$2]}" "$(sha256sum "$NEW/$1" | cut -d' ' -f1)" >>"$TSV"
}

# Shared objects only (top level of the multiarch dirs): no static libs, gconv or OpenSSL engines.
for pkg in "${LIB_PKGS[@]}"; do
  for dir in "$STAGE/$pkg/usr/lib/$MULTIARCH" "$STAGE/$pkg/lib/$MULTIARCH"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' f; do
      name="${f##*/}"
      [ ! -e "$NEW/lib/$name" ] || die "lib/$name is shipped by two packages"
      cp -P "$f" "$NEW/lib/$name"
      if [ -L "$f" ]; then
        target="$(readlink "$f")"
        [[ "$target" != */* ]] || die "lib/$name links outside lib/ ($target)"
      else
        add_file "lib/$name" "$pkg"
      fi
    done < <(find "$dir" -maxdepth 1 \( -type f -o -type l \) \( -name '*.so' -o -name '*.so.*' \) -print0)
  done
done
[ -f "$NEW/lib/$LOADER_NAME" ] || die "libc6 did not provide lib/$LOADER_NAME"
[ -f "$NEW/lib/libc.so.6" ] || die "libc6 did not provide lib/libc.so.6"

for f in geoip geoip6; do
  src="$STAGE/tor-geoipdb/usr/share/tor/$f"
  [ -f "$src" ] || die "tor-geoipdb has no usr/share/tor/$f"
  cp "$src" "$NEW/share/tor/$f"; add_file "share/tor/$f" tor-geoipdb
done

# Copyright files travel with what we redistribute (GPL/LGPL/BSD notices).
for pkg in "${ALL_PKGS[@]}"; do
  src="$STAGE/$pkg/usr/share/doc/$pkg/copyright"
  if [ -f "$src" ]; then mkdir -p "$NEW/share/doc/$pkg"; cp "$src" "$NEW/share/doc/$pkg/copyright"; fi
done

# ---------------------------------------------------------------------------------------------
# Checks: loader binaries resolve every library inside lib/ (the loader would otherwise fall back to
# the host's libs silently), and every binary starts and prints its version.
PROBE_DIR="$WORK/probe"
mkdir -p "$PROBE_DIR"
probe() { # name via kind -> output (stdout+stderr), never fails by itself
  local name=$1 via=$2 kind=$3 cmd=()
  if [ "$via" = 1 ]; then cmd=("$NEW/lib/$LOADER_NAME" --library-path "$NEW/lib" "$NEW/bin/$name"); else cmd=("$NEW/bin/$name"); fi
  # cwd and HOME in a scratch dir: nothing a binary might write lands in the repo or in ~.
  case "$kind" in
    pt-client) # managed-mode handshake: binds one loopback SOCKS listener, exits when stdin closes
      (cd "$PROBE_DIR" && sleep 1 | HOME="$PROBE_DIR" TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_CLIENT_TRANSPORTS=webtunnel \
        TOR_PT_STATE_LOCATION="$PROBE_DIR/pt" TOR_PT_EXIT_ON_STDIN_CLOSE=1 timeout 10 "${cmd[@]}" 2>&1) || true ;;
    pt-server) # no url option given: it reports its version, then declines to listen
      (cd "$PROBE_DIR" && sleep 1 | HOME="$PROBE_DIR" TOR_PT_MANAGED_TRANSPORT_VER=1 TOR_PT_SERVER_TRANSPORTS=webtunnel \
        TOR_PT_SERVER_BINDADDR=webtunnel-127.0.0.1:0 TOR_PT_ORPORT=127.0.0.1:9 \
        TOR_PT_STATE_LOCATION="$PROBE_DIR/pt" TOR_PT_EXIT_ON_STDIN_CLOSE=1 timeout 10 "${cmd[@]}" 2>&1) || true ;;
    *) (cd "$PROBE_DIR" && HOME="$PROBE_DIR" timeout 10 "${cmd[@]}" "$kind" </dev/null 2>&1) || true ;;
  esac
}

failed=0
for row in "${BINARIES[@]}"; do
  IFS='|' read -r name pkg src via kind regex <<<"$row"
  [ -f "$STAGE/$pkg/$src" ] || die "package $pkg has no $src"
  cp "$STAGE/$pkg/$src" "$NEW/bin/$name"; chmod 0755 "$NEW/bin/$name"
  if [ "$via" = 1 ]; then
    libs="$("$NEW/lib/$LOADER_NAME" --library-path "$NEW/lib" --list "$NEW/bin/$name" 2>&1)" || true
    outside="$(awk -v lib="$NEW/lib/" '/=>/ { if (index($3, lib) != 1) print "  " $0 }' <<<"$libs")"
    if [ -n "$outside" ] || ! grep -q '=>' <<<"$libs"; then
      log "FAIL $name: libraries not resolved inside lib/:"; printf '%s\n' "${outside:-$libs}" >&2; failed=1; continue
    fi
  fi
  out="$(probe "$name" "$via" "$kind")"
  line="$(grep -m1 -E "$regex" <<<"$out" | tr -d '\r\t' || true)"
  if [ -z "$line" ]; then
    log "FAIL $name did not start (expected output matching /$regex/); it printed:"
    printf '%s\n' "$out" | head -n 20 | sed 's/^/  | /' >&2
    failed=1; continue
  fi
  log "ok   $name ($pkg ${PKG_VERSION[$pkg]}): $line"
  printf 'B\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "bin/$name" "$pkg" "${PKG_VERSION[$pkg]}" \
    "$(sha256sum "$NEW/bin/$name" | cut -d' ' -f1)" "$([ "$via" = 1 ] && echo true || echo false)" "$line" >>"$TSV"
done
[ "$failed" = 0 ] || die "some binaries do not start; $OUT was left unchanged"
rm -rf "$PROBE_DIR"

# ---------------------------------------------------------------------------------------------
FETCHED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
node -e '
  const fs = require("node:fs");
  const [tsv, out, platform, suite, mirror, fetchedAt, loader] = process.argv.slice(1);
  const m = { platform, suite, mirror, fetchedAt, loader, libraryPath: "lib", binaries: {}, packages: {}, files: {} };
  for (const row of fs.readFileSync(tsv, "utf8").split("\n").filter(Boolean)) {
    const [kind, ...c] = row.split("\t");
    if (kind === "B") m.binaries[c[0]] = { path: c[1], package: c[2], version: c[3], sha256: c[4], viaLoader: c[5] === "true", versionOutput: c[6] };
    else if (kind === "F") m.files[c[0]] = { package: c[1], version: c[2], sha256: c[3] };
    else if (kind === "P") m.packages[c[0]] = c[1];
  }
  fs.writeFileSync(out, JSON.stringify(m, null, 2) + "\n");
' "$TSV" "$NEW/manifest.json" "$PLATFORM" "$SUITE" "$MIRROR" "$FETCHED_AT" "lib/$LOADER_NAME"
rm -rf "$STAGE" "$TSV"

# Swap in the new tree (renames within resources/, so readers see the old or the new tree).
mkdir -p "$RES/bin"
if [ -e "$OUT" ]; then mv "$OUT" "$WORK/old"; fi
mv "$NEW" "$OUT"
rm -rf "$WORK"
log "done in $((SECONDS - t0)) s: $OUT ($(du -sh "$OUT" | cut -f1))"
