#!/usr/bin/env bash
# The Lambda base image that function/Dockerfile starts FROM, made available to Docker here.
#
#   tools/aws/standin_base_image.sh           ensure the image exists (pull it, else build a stand-in)
#   tools/aws/standin_base_image.sh --notice  only print the stand-in notice, if the image is one
#   tools/aws/standin_base_image.sh --mirror  only print the Debian mirror debootstrap would use
#
# First the real image is tried (docker pull). Where no container registry is reachable, a
# local stand-in is built and tagged with the base image's name, so function/Dockerfile, `sam
# build` and `sam local` work unchanged:
#   - a Debian rootfs made by debootstrap from the Debian mirror this machine's apt already uses
#     (read from /etc/apt at run time), `docker import`ed;
#   - a venv at /var/lang (the base image's Python prefix) with awslambdaric and boto3 (AWS's
#     image ships it; MODEL_S3_URI needs it), pinned as in requirements-dev.txt, installed by
#     pip inside `docker build` with this machine's pip settings (CA bundle, index URL if set);
#   - the base image's contract: LAMBDA_TASK_ROOT=/var/task, LAMBDA_RUNTIME_DIR=/var/runtime,
#     WORKDIR /var/task, ENTRYPOINT /lambda-entrypoint.sh, which runs `python -m awslambdaric
#     <handler>` under a Runtime API (SAM mounts its Runtime Interface Emulator; the stand-in has
#     none of its own).
# Its Python is Debian's (3.11 on bookworm), not the 3.12 of AWS's image; the runtime pins
# resolve on both (tests/lambda/test_runtime_emulator.py). It carries the label
# org.digit-lambda.standin=true, is never pushed, and says what it is on every start. Docker's
# own image store is the cache: a second run does nothing. docs/sam-docker.md has the details.
set -euo pipefail
cd "$(dirname "$0")/../.."

LABEL=org.digit-lambda.standin
BASE_IMAGE=$(awk 'toupper($1) == "FROM" { print $2; exit }' function/Dockerfile)
AWSLAMBDARIC=$(grep -E '^awslambdaric==' requirements-dev.txt)
BOTO3=$(grep -E '^boto3==' requirements-dev.txt)
. /etc/os-release
SUITE=${STANDIN_SUITE:-$VERSION_CODENAME}
ROOTFS_IMAGE=digit-lambda/standin-rootfs:$SUITE
# The stand-in's inputs: a change of any of them rebuilds it.
RECIPE_VERSION=2
RECIPE="$SUITE $AWSLAMBDARIC $BOTO3 recipe-$RECIPE_VERSION"

notice() {
    echo "NOTE: $BASE_IMAGE is a local stand-in (Debian $SUITE, Python 3.11 rather than 3.12;" \
        "tools/aws/standin_base_image.sh), not AWS's image."
}

standin_recipe() {  # the recipe label of the local image, empty if absent or not a stand-in
    docker image inspect --format "{{ index .Config.Labels \"$LABEL.recipe\" }}" \
        "$BASE_IMAGE" 2>/dev/null || true
}

is_real() {  # present and without the stand-in label
    docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 &&
        [ -z "$(docker image inspect --format "{{ index .Config.Labels \"$LABEL\" }}" \
            "$BASE_IMAGE" 2>/dev/null)" ]
}

# The Debian mirror: the first apt source (deb822 .sources, then one-line lists) that
# serves $SUITE. APT_ETC: another apt configuration folder (the tests use one).
APT_ETC=${APT_ETC:-/etc/apt}
mirror_of() {
    local file
    for file in "$APT_ETC"/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$1" 'BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uri = ""; suites = ""
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^Types:/) types = $i
                    if ($i ~ /^URIs:/) { split($i, f, /[ \t]+/); uri = f[2] }
                    if ($i ~ /^Suites:/) suites = $i " "
                }
                if (types ~ /[ \t]deb([ \t]|$)/ && suites ~ "[ \t]" suite " " && uri != "") {
                    print uri; exit
                }
            }' "$file"
    done
    { cat "$APT_ETC"/sources.list "$APT_ETC"/sources.list.d/*.list 2>/dev/null || true; } |
        sed -E 's/\[[^]]*\]//' |
        awk -v suite="$1" '$1 == "deb" && $3 == suite { print $2; exit }'
}
debian_mirror() {
    local mirror
    mirror=$(mirror_of "$SUITE" | head -n 1)
    if [ -z "$mirror" ]; then
        echo "no apt source for Debian $SUITE in $APT_ETC: cannot debootstrap" >&2
        return 1
    fi
    echo "$mirror"
}

case "${1:-}" in
    --notice) [ -z "$(standin_recipe)" ] || notice; exit 0 ;;
    --mirror) debian_mirror; exit ;;
esac

if ! docker info >/dev/null 2>&1; then
    echo "Docker is not running (dockerd): start it first" >&2
    exit 1
fi
if is_real; then
    echo "$BASE_IMAGE: AWS's image is present"
    exit 0
fi
if [ "$(standin_recipe)" = "$RECIPE" ]; then
    notice
    exit 0
fi
echo "$BASE_IMAGE: trying the registry..."
if timeout 60 docker pull --quiet "$BASE_IMAGE" >/dev/null 2>&1; then
    echo "$BASE_IMAGE: pulled AWS's image"
    exit 0
fi
echo "$BASE_IMAGE: the registry is unreachable; building a local stand-in"
MIRROR=$(debian_mirror)

WORK=$(mktemp -d /var/tmp/digit-lambda-standin.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
    echo "debootstrap $SUITE (minbase + python3-venv) from the apt mirror..."
    nice -n 19 debootstrap --variant=minbase --include=python3-venv,ca-certificates \
        "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
        { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }
    # apt's lists and caches are not needed in an image that never runs apt.
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
    tar -C "$WORK/rootfs" -c . | nice -n 19 docker import \
        --change "LABEL $LABEL=true" - "$ROOTFS_IMAGE" >/dev/null
    rm -rf "$WORK/rootfs"
fi

# pip as this machine has it configured: its CA bundle, and its index if one is set (no
# host name is written here: whatever pip is told on this machine is passed on).
PIP_CA=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
PIP_CA=${PIP_CA:-/etc/ssl/certs/ca-certificates.crt}
PIP_INDEX=${PIP_INDEX_URL:-$(python3 -m pip config get global.index-url 2>/dev/null || true)}
mkdir -p "$WORK/context"
cp "$PIP_CA" "$WORK/context/pip-ca.crt"
{
    echo "[global]"
    echo "cert = /etc/pip-ca.crt"
    [ -n "$PIP_INDEX" ] && echo "index-url = $PIP_INDEX"
    echo "disable-pip-version-check = true"
} >"$WORK/context/pip.conf"

cat >"$WORK/context/lambda-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The stand-in's entry point: the handler name as the only argument, a Runtime API to talk to.
echo "NOTE: stand-in Lambda base image (Debian, Python $(python -c 'import platform; print(platform.python_version())')), not AWS's" >&2
if [ $# -ne 1 ]; then
    echo "usage: /lambda-entrypoint.sh <module.handler>" >&2
    exit 142
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
    echo "AWS_LAMBDA_RUNTIME_API is not set: run it under a Runtime Interface Emulator" \
        "(sam local mounts one; or docker run --entrypoint <rie> ... /lambda-entrypoint.sh)" >&2
    exit 1
fi
export _HANDLER="$1"
exec python -m awslambdaric "$1"
ENTRYPOINT
chmod 755 "$WORK/context/lambda-entrypoint.sh"  # COPY keeps the mode

cat >"$WORK/context/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
ENV LANG=C.UTF-8 TZ=:/etc/localtime \\
    PATH=/var/lang/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime \\
    PIP_CONFIG_FILE=/etc/pip.conf
COPY pip-ca.crt pip.conf /etc/
RUN python3 -m venv /var/lang && mkdir -p /var/task /var/runtime \\
    && /var/lang/bin/pip install --no-cache-dir --only-binary=:all: "$AWSLAMBDARIC" "$BOTO3"
COPY lambda-entrypoint.sh /lambda-entrypoint.sh
WORKDIR /var/task
LABEL $LABEL=true \\
      $LABEL.recipe="$RECIPE" \\
      $LABEL.python=3.11 \\
      org.opencontainers.image.description="Local stand-in for $BASE_IMAGE (Debian $SUITE, Python 3.11): built by tools/aws/standin_base_image.sh, never pushed"
ENTRYPOINT ["/lambda-entrypoint.sh"]
DOCKERFILE

echo "docker build of the stand-in (pip installs $AWSLAMBDARIC $BOTO3)..."
# The classic builder: Debian's dockerd has no BuildKit plugin, and SAM builds the same way.
DOCKER_BUILDKIT=0 nice -n 19 docker build --tag "$BASE_IMAGE" "$WORK/context" \
    >"$WORK/build.log" 2>&1 || { tail -n 30 "$WORK/build.log" >&2; exit 1; }
notice
