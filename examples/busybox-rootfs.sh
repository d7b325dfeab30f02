#!/bin/sh
# Makes a busybox root filesystem in DIR from the host's static busybox (Debian: busybox-static),
# the same layout test/helpers/busybox.ts builds: bin/busybox, one symlink per applet, /etc/passwd
# and /etc/group. `podrun import DIR busybox:latest` turns it into an image, offline.
set -eu
dir=${1:?usage: busybox-rootfs.sh DIR}
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "error: $busybox not found; install it with: apt-get install busybox-static" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
mkdir -p bin etc tmp root home var proc sys dev
chmod 1777 tmp
cp "$busybox" bin/busybox
chmod 755 bin/busybox
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "bin/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' 'user:x:1000:1000:user:/home:/bin/sh' > etc/passwd
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'user:x:1000:' > etc/group
