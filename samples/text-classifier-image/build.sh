#!/bin/sh
# Builds the text classifier as an OCI image with no registry and no Dockerfile, from Debian's packages:
#   mmdebstrap  a root file system with python3-flask
#   umoci       an OCI image of it (the rootfs as one layer, the app as another, its config)
#   skopeo      an OCI archive of that image, which `stasis images load` takes
# Writes build/text-classifier.oci.tar; with --load, also loads it into the running server.
# Needs root (mmdebstrap --mode=root) and Debian's mirror; run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
reference=registry.example.com/stasis/text-classifier:v1
out="$here/build"
suite=${SUITE:-bookworm}

missing=""
for tool in mmdebstrap umoci skopeo; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing$missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "build.sh needs$missing: sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

mkdir -p "$out"
work=$(mktemp -d "$out/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The root file system: Debian's essential packages and python3-flask, no apt caches or docs.
if [ ! -s "$out/rootfs.tar" ]; then
  echo "mmdebstrap: $suite with python3-flask" >&2
  mmdebstrap --quiet --mode=root --format=tar --variant=essential --include=python3-flask \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$out/rootfs.tar.part"
  mv "$out/rootfs.tar.part" "$out/rootfs.tar"
fi

# 2. The image: the rootfs as a layer, the app (code and data, readable by all) as another, the config.
mkdir -p "$work/app"
cp "$repo/samples/text-classifier-python/app.py" "$work/app/"
cp -r "$repo/samples/text-classifier-python/data" "$work/app/"
chmod -R a+rX "$work/app"
umoci init --layout "$work/layout"
umoci new --image "$work/layout:build"
umoci raw add-layer --image "$work/layout:build" "$out/rootfs.tar"
umoci insert --image "$work/layout:build" "$work/app" /app
umoci config --image "$work/layout:build" \
  --config.entrypoint python3 --config.cmd /app/app.py --config.workingdir /app \
  --config.env MODEL_NAME=naive-bayes --config.exposedports 9000/tcp \
  --config.label org.opencontainers.image.title=text-classifier

# 3. The archive, named by the reference s.yaml uses.
rm -f "$out/text-classifier.oci.tar"
skopeo copy --quiet "oci:$work/layout:build" "oci-archive:$out/text-classifier.oci.tar:$reference"
echo "built $out/text-classifier.oci.tar ($reference)" >&2

if [ "${1:-}" = "--load" ]; then
  "$repo/stasis" images load "$out/text-classifier.oci.tar"
else
  echo "load it with: ./stasis images load $out/text-classifier.oci.tar" >&2
fi
