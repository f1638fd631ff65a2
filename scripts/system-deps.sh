#!/bin/sh
# The Debian packages cecert needs, by purpose:
#   run   what running needs: the TrueType CJK font certificates are drawn with (fonts-wqy-microhei;
#         found as src/cecert/certificates/pdf/fonts.py looks for it, CECERT_CJK_FONT included)
#   test  that, plus Chromium (browser tests), poppler-utils (pdfsig: independent PDF signature
#         checks) and nginx-light (the deploy tests)
# The missing ones are installed with apt-get when we are root. Otherwise, or when apt-get is busy
# (another apt or dpkg holds its lock) or fails, it says which packages to install by hand and
# exits 1. Only shell built-ins, python3, id and apt-get are used (tests/scripts/ fakes the last two).
set -u
case "$0" in */*) here=${0%/*} ;; *) here=. ;; esac
cd "$here/.." || exit 2

purpose=${1:-}
case "$purpose" in
  run | test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=""
"${PYTHON:-python3}" -c 'import runpy; runpy.run_path("src/cecert/certificates/pdf/fonts.py")["cjk_font_path"]()' \
  >/dev/null 2>&1 || missing="fonts-wqy-microhei"
if [ "$purpose" = test ]; then
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  command -v pdfsig >/dev/null 2>&1 || missing="$missing poppler-utils"
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
fi
missing=${missing# }
[ -z "$missing" ] && exit 0

by_hand() {
  echo "请手动安装 / install by hand: sudo apt-get install $missing" >&2
  exit 1
}

if [ "$(id -u)" != 0 ]; then
  echo "缺少系统软件包 / missing system packages: $missing（需要 root 权限安装 / installing them needs root）" >&2
  by_hand
fi

echo "安装系统软件包 / installing system packages: $missing" >&2
# shellcheck disable=SC2086 # one word per package
if output=$(apt-get update -qq 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing 2>&1); then
  exit 0
fi
case "$output" in
  *"Could not get lock"* | *"Unable to lock"* | *"Unable to acquire"* | *"is held by process"*)
    echo "系统软件包管理器正忙（另一个 apt 或 dpkg 进程持有锁），未能安装 $missing" >&2
    echo "the system package manager is busy (another apt or dpkg holds its lock): $missing not installed;" \
      "wait for it to finish and run make again" >&2
    ;;
  *)
    echo "apt-get 未能安装 / apt-get could not install: $missing" >&2
    printf '%s\n' "$output" >&2
    ;;
esac
by_hand
