#!/usr/bin/env bash
# Builds mediasoup-worker offline against Debian 12 (bookworm) packages and
# installs it at mediasoup's default path (node_modules/mediasoup/worker/out/
# Release/mediasoup-worker), so no MEDIASOUP_WORKER_BIN is needed at run time.
# Called by sfu/setup/setup.sh after `MEDIASOUP_WORKER_BIN=skip npm ci` and the
# apt packages; see README "mediasoup on offline machines" for why.
#
# Cached in $MEDIASOUP_WORKER_CACHE (default ~/.cache/mediasoup-worker), keyed
# by mediasoup version + this script's hash + arch; node_modules is never built in.
#
# How: every worker/subprojects/<x>.wrap names a `directory`; meson uses an
# existing subprojects/<directory> as-is and never downloads. We put there a tiny
# meson project exposing the variables mediasoup's meson.build reads, backed by
# the Debian -dev package (pkg-config). libsrtp: mediasoup >= 3.13 wants the
# libsrtp 3 API; a C++ header shim maps it onto Debian's libsrtp 2.5.
set -euo pipefail

MS_DIR="${MS_DIR:-node_modules/mediasoup}"
CACHE_ROOT="${MEDIASOUP_WORKER_CACHE:-$HOME/.cache/mediasoup-worker}"
JOBS="${JOBS:-$(nproc)}"
APT_PKGS=(meson ninja-build g++ pkg-config flatbuffers-compiler libflatbuffers-dev
  libuv1-dev libssl-dev libabsl-dev libsrtp2-dev libusrsctp-dev nlohmann-json3-dev)

[ -f "$MS_DIR/package.json" ] || { echo "no $MS_DIR; run npm ci first" >&2; exit 1; }
VER="$(node -p "require('./$MS_DIR/package.json').version")"
KEY="$VER-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)-$(uname -m)"
OUT="$CACHE_ROOT/$KEY"
DEST="$MS_DIR/worker/out/Release/mediasoup-worker"

# Always ensure the Debian packages: a cached binary links their shared libs
# (libuv1, libsrtp2-1, libusrsctp2, libabsl20220623, libssl3), so a machine
# that restored the cache still needs them.
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' > /dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -x "$OUT/mediasoup-worker" ]; then
  echo "mediasoup-worker $VER: cache hit ($OUT)"
else
  WORK="$CACHE_ROOT/.build-$KEY"
  rm -rf "$WORK"; mkdir -p "$WORK"
  cp -r "$MS_DIR/worker" "$WORK/worker"
  W="$WORK/worker"
  rm -rf "$W/out" "$W/prebuild"
  # Debian bookworm ships meson 1.0.1; mediasoup asks for >= 1.1.0 but builds fine.
  sed -i -E "s/meson_version: *'>= *[0-9.]+'/meson_version: '>= 1.0.0'/" "$W/meson.build"

  # mediasoup's DTLS BIO callback answers 1 to every *_RETURN call but a
  # write's, so BIO_get_ktls_send() on its BIO reads "kernel TLS on". Its own
  # bundled OpenSSL has no KTLS; Debian's has, and then never allocates the
  # DTLS write buffer: the worker segfaults on the first handshake message.
  # Return the real result for every *_RETURN call (as OpenSSL documents).
  dtls="$W/src/RTC/DtlsTransport.cpp"
  if grep -q '(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1' "$dtls"; then
    sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1/' "$dtls"
    grep -q '(operationType & BIO_CB_RETURN)' "$dtls" || { echo "DTLS BIO callback patch failed" >&2; exit 1; }
  elif ! grep -q '(operationType & BIO_CB_RETURN)' "$dtls"; then
    echo "mediasoup $VER: DTLS BIO callback not as expected; review the KTLS patch in this script" >&2; exit 1
  fi

  dirof() { sed -n 's/^directory *= *//p' "$W/subprojects/$1.wrap"; }
  shim() { # <wrap> <meson.build> [meson_options.txt]
    local d; d="$W/subprojects/$(dirof "$1")"
    rm -rf "$d"; mkdir -p "$d"
    printf '%s\n' "$2" > "$d/meson.build"
    printf '%s\n' "${3:-}" > "$d/meson_options.txt"
  }
  for wrap in "$W"/subprojects/*.wrap; do
    name="$(basename "$wrap" .wrap)"
    case "$name" in
    openssl) shim openssl "project('openssl', 'c')
openssl_dep = dependency('openssl')
libssl_dep = dependency('libssl')
libcrypto_dep = dependency('libcrypto')
libssl_lib = []
libcrypto_lib = []" ;;
    libuv) shim libuv "project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = []" "option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)" ;;
    libsrtp2|libsrtp3)
      opts="option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'string', value: 'disabled')
option('tests', type: 'string', value: 'disabled')"
      if [ "$(dirof "$name")" = libsrtp-2.5.0 ]; then  # mediasoup <= 3.12: real libsrtp 2
        shim "$name" "project('$name', 'c')
${name}_dep = declare_dependency(include_directories: include_directories('/usr/include/srtp2'),
  dependencies: dependency('libsrtp2'))
$name = []" "$opts"
      else
        shim "$name" "project('$name', 'c')
${name}_dep = declare_dependency(include_directories: include_directories('include'),
  dependencies: dependency('libsrtp2'))
$name = []" "$opts"
        mkdir -p "$W/subprojects/$(dirof "$name")/include"
        cat > "$W/subprojects/$(dirof "$name")/include/srtp.h" <<'HDR'
/* <srtp.h> for mediasoup: Debian's libsrtp 2.5 plus C++ overloads providing
 * the libsrtp 3 API (size_t lengths, separate in/out buffers) mediasoup uses. */
#ifndef MS_SRTP_COMPAT_H
#define MS_SRTP_COMPAT_H
#include <srtp2/srtp.h>
#ifdef __cplusplus
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(200);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(201);
namespace ms_srtp_compat
{
	using Fn2 = srtp_err_status_t (*)(srtp_t, void*, int*);
	inline srtp_err_status_t InPlace(Fn2 fn, srtp_t ctx, uint8_t* buf, size_t* len)
	{
		if (*len > static_cast<size_t>(INT_MAX))
			return srtp_err_status_bad_param;
		int l = static_cast<int>(*len);
		const srtp_err_status_t err = fn(ctx, buf, &l);
		if (err == srtp_err_status_ok)
			*len = static_cast<size_t>(l);
		return err;
	}
	inline srtp_err_status_t Copy(
	  Fn2 fn, srtp_t ctx, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t room)
	{
		if (*outLen < inLen + room)
			return srtp_err_status_buffer_small;
		if (out != in)
			std::memmove(out, in, inLen);
		size_t l = inLen;
		const srtp_err_status_t err = InPlace(fn, ctx, out, &l);
		if (err == srtp_err_status_ok)
			*outLen = l;
		return err;
	}
} // namespace ms_srtp_compat
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return ::srtp_remove_stream(session, ssrc);
}
/* "3.0-alpha" API (mediasoup 3.13-3.15): in place, size_t* length. */
inline srtp_err_status_t srtp_protect(srtp_t c, uint8_t* p, size_t* l)
{
	return ms_srtp_compat::InPlace(::srtp_protect, c, p, l);
}
inline srtp_err_status_t srtp_unprotect(srtp_t c, uint8_t* p, size_t* l)
{
	return ms_srtp_compat::InPlace(::srtp_unprotect, c, p, l);
}
inline srtp_err_status_t srtp_protect_rtcp(srtp_t c, uint8_t* p, size_t* l)
{
	return ms_srtp_compat::InPlace(::srtp_protect_rtcp, c, p, l);
}
inline srtp_err_status_t srtp_unprotect_rtcp(srtp_t c, uint8_t* p, size_t* l)
{
	return ms_srtp_compat::InPlace(::srtp_unprotect_rtcp, c, p, l);
}
/* "3.0.0-beta" API (mediasoup 3.16+): in/out buffers, MKI index. */
inline srtp_err_status_t srtp_protect(
  srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t mki)
{
	return mki != 0 ? srtp_err_status_bad_mki
	                : ms_srtp_compat::Copy(::srtp_protect, c, in, inLen, out, outLen, SRTP_MAX_TRAILER_LEN);
}
inline srtp_err_status_t srtp_unprotect(
  srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen)
{
	return ms_srtp_compat::Copy(::srtp_unprotect, c, in, inLen, out, outLen, 0);
}
inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen, size_t mki)
{
	return mki != 0 ? srtp_err_status_bad_mki
	                : ms_srtp_compat::Copy(
	                    ::srtp_protect_rtcp, c, in, inLen, out, outLen, SRTP_MAX_TRAILER_LEN + 4);
}
inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t c, const uint8_t* in, size_t inLen, uint8_t* out, size_t* outLen)
{
	return ms_srtp_compat::Copy(::srtp_unprotect_rtcp, c, in, inLen, out, outLen, 0);
}
#endif /* __cplusplus */
#endif /* MS_SRTP_COMPAT_H */
HDR
      fi ;;
    usrsctp) shim usrsctp "project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = []" "option('sctp_build_programs', type: 'boolean', value: false)" ;;
    abseil-cpp) shim abseil-cpp "project('abseil-cpp', 'cpp')
deps = []
foreach n : ['absl_flat_hash_map', 'absl_flat_hash_set', 'absl_node_hash_map',
             'absl_node_hash_set', 'absl_btree', 'absl_inlined_vector', 'absl_memory']
  deps += dependency(n)
endforeach
absl_container_dep = declare_dependency(dependencies: deps)
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'),
  dependency('absl_variant'), dependency('absl_span')])
absl_container_lib = []" ;;
    catch2) shim catch2 "project('catch2', 'cpp')
catch2_dep = declare_dependency()
catch2_with_main_dep = declare_dependency()" ;;
    flatbuffers) shim flatbuffers "project('flatbuffers', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = []" ;;
    nlohmann_json) shim nlohmann_json "project('nlohmann_json', 'cpp')
nlohmann_json_dep = dependency('nlohmann_json')" ;;
    liburing) shim liburing "project('liburing', 'c')
uring = declare_dependency()
liburing = []" ;;  # unused: built with -Dms_disable_liburing=true (Debian's 2.3 is too old)
    wingetopt) : ;;
    *) echo "no shim for subproject '$name' (mediasoup $VER): extend this script" >&2; exit 1 ;;
    esac
  done

  opts=(--buildtype release -Db_ndebug=true)
  grep -q ms_disable_liburing "$W/meson_options.txt" && opts+=(-Dms_disable_liburing=true)
  meson setup "$W/build" "$W" "${opts[@]}" --wrap-mode=nodownload
  # Generate the flatbuffers headers first: mediasoup's meson.build does not make
  # the C++ objects depend on them, so `ninja mediasoup-worker` alone can race.
  if ninja -C "$W/build" -t targets all | grep '^fbs/FBS:' > /dev/null; then
    ninja -C "$W/build" fbs/FBS
  fi
  ninja -C "$W/build" -j "$JOBS" mediasoup-worker
  strip "$W/build/mediasoup-worker" -o "$W/build/mediasoup-worker.stripped"
  mkdir -p "$OUT"
  install -m755 "$W/build/mediasoup-worker.stripped" "$OUT/mediasoup-worker.tmp"
  mv "$OUT/mediasoup-worker.tmp" "$OUT/mediasoup-worker"
  rm -rf "$WORK"
  echo "mediasoup-worker $VER: built into $OUT"
fi

if [ "$(cat "$DEST.build-key" 2>/dev/null)" != "$KEY" ] || ! cmp -s "$OUT/mediasoup-worker" "$DEST"; then
  install -D -m755 "$OUT/mediasoup-worker" "$DEST"
  echo "$KEY" > "$DEST.build-key"
fi
echo "mediasoup-worker $VER: installed at $DEST"
