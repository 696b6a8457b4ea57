#!/usr/bin/env bash
# Builds, from Debian's packages and Maven Central only, stand-ins for the images the project
# otherwise pulls from Docker Hub, for machines that reach no image registry (this project's CI):
#
#   scix-local/jre:17         Debian bookworm + OpenJDK 17 JRE (stands in for eclipse-temurin:17-jre)
#   scix-local/jdk:17         the same + the JDK                (for eclipse-temurin:17-jdk)
#                             (both trust this machine's extra CAs, /usr/local/share/ca-certificates)
#   scix-local/kafka:4.4.0    Kafka 4.4.0 from the Maven Central jars the local stack runs, with an
#                             entrypoint honouring apache/kafka's environment contract (for apache/kafka:4.4.0)
#   scix-local/apicurio:2.6.13.Final   the registry jar the local stack runs (for apicurio/apicurio-registry-mem)
#   scix-local/nginx:bookworm Debian's nginx                    (for nginx, the compose file's registry front)
#
# Idempotent: each image is tagged with a hash of what it is made from and rebuilt only when that
# changes. Needs a running Docker engine, debootstrap, and root (debootstrap). Prints, at the end,
# the variables that point the compose file and the Testcontainers stack at these images.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)
work="$root/target/images"
mkdir -p "$work"

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
KAFKA_VERSION=4.4.0
APICURIO_VERSION=2.6.13.Final

log() { echo "images: $*" >&2; }

has_image() { docker image inspect "$1" > /dev/null 2>&1; }

# Tags $1 as $2 when it exists under the content hash $3; else runs the rest of the arguments to build it.
cached() {
  local name=$1 hash=$2
  shift 2
  if has_image "$name-$hash"; then
    log "$name is up to date ($hash)"
  else
    log "building $name ($hash)"
    "$@" "$name-$hash"
  fi
  docker tag "$name-$hash" "$name"
}

hash_of() { cat "$@" | sha256sum | cut -c1-12; }

unmount_under() {
  local mounts
  mounts=$(awk -v d="$1" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r)
  for m in $mounts; do umount -l "$m"; done
}

# A Debian root file system with $packages, imported as an image (no registry involved).
debootstrap_image() {
  local packages=$1 tag=$2 dir="$work/rootfs-$RANDOM"
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir" "$MIRROR" > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; unmount_under "$dir"; exit 1; }
  # debootstrap can leave the host's /proc (and more) mounted in the tree: never archive a mount.
  unmount_under "$dir"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  if ! tar -C "$dir" --one-file-system --exclude=./proc/* --exclude=./sys/* --exclude=./dev/pts/* -c . | docker import \
    --change 'ENV LANG=C.UTF-8 JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
    --change 'CMD ["/bin/bash"]' - "$tag" > /dev/null; then
    docker rmi -f "$tag" > /dev/null 2>&1 || true # never leave a half-made image under the cached tag
    log "archiving $dir failed"
    exit 1
  fi
  rm -rf --one-file-system "$dir"
}

build_context() { # build_context CONTEXT [DOCKER BUILD OPTIONS...] TAG: the Dockerfile in CONTEXT
  local context=$1
  shift
  local tag=${*: -1}
  docker build -q "${@:1:$#-1}" -t "$tag" "$context" > /dev/null
}

# --- bases
JRE_PACKAGES=openjdk-17-jre-headless,curl,ca-certificates,procps
JDK_PACKAGES=$JRE_PACKAGES,openjdk-17-jdk-headless
cached scix-local/debian-jre:17 "$(echo "$SUITE $JRE_PACKAGES" | sha256sum | cut -c1-12)" debootstrap_image "$JRE_PACKAGES"
cached scix-local/debian-jdk:17 "$(echo "$SUITE $JDK_PACKAGES" | sha256sum | cut -c1-12)" debootstrap_image "$JDK_PACKAGES"
# ... trusting this machine's own certificate authorities (see trust/Dockerfile).
trust_ctx="$work/trust"
rm -rf "$trust_ctx" && mkdir -p "$trust_ctx/certificates"
cp "$here/trust/Dockerfile" "$trust_ctx/"
find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$trust_ctx/certificates/" \; 2> /dev/null || true
trust_hash=$( (cat "$here/trust/Dockerfile"; cat "$trust_ctx"/certificates/*.crt 2> /dev/null) | sha256sum | cut -c1-12)
for kind in jre jdk; do
  cached "scix-local/$kind:17" "$trust_hash-$(docker image inspect -f '{{.Id}}' "scix-local/debian-$kind:17" | cut -c8-19)" \
    build_context "$trust_ctx" --build-arg BASE="scix-local/debian-$kind:17"
done

# --- Kafka: the local stack's broker classpath (Maven Central jars), our entrypoint
if [ ! -f "$root/local-stack/target/broker.classpath" ]; then
  log "building the local-stack module for its broker classpath"
  (cd "$root" && ./mvnw -B -ntp -q -pl local-stack -am install -DskipTests)
fi
kafka_ctx="$work/kafka"
rm -rf "$kafka_ctx" && mkdir -p "$kafka_ctx/libs"
tr ':' '\n' < "$root/local-stack/target/broker.classpath" | while read -r jar || [ -n "$jar" ]; do cp "$jar" "$kafka_ctx/libs/"; done
cp -r "$here"/kafka/. "$kafka_ctx/"
grep -q "kafka_2.13-$KAFKA_VERSION.jar" <(ls "$kafka_ctx/libs") || { log "broker classpath is not Kafka $KAFKA_VERSION"; exit 1; }
kafka_hash=$( (ls "$kafka_ctx/libs"; find "$here/kafka" -type f | sort | xargs cat) | sha256sum | cut -c1-12)
cached "scix-local/kafka:$KAFKA_VERSION" "$kafka_hash-$(docker image inspect -f '{{.Id}}' scix-local/jre:17 | cut -c8-19)" \
  build_context "$kafka_ctx" --build-arg BASE=scix-local/jre:17

# --- Apicurio: the jar the local stack runs
apicurio_dir="$root/local-stack/target/apicurio"
[ -f "$apicurio_dir/apicurio-registry-app-$APICURIO_VERSION-runner.jar" ] || { log "no Apicurio jar in $apicurio_dir: build local-stack first"; exit 1; }
registry_ctx="$work/registry"
rm -rf "$registry_ctx" && mkdir -p "$registry_ctx"
cp -r "$apicurio_dir"/. "$registry_ctx/app/"
cp "$here"/registry/* "$registry_ctx/"
registry_hash=$( (find "$registry_ctx" -type f | sort | xargs ls -l | awk '{print $5, $9}'; cat "$here"/registry/*) | sha256sum | cut -c1-12)
cached "scix-local/apicurio:$APICURIO_VERSION" "$registry_hash-$(docker image inspect -f '{{.Id}}' scix-local/jre:17 | cut -c8-19)" \
  build_context "$registry_ctx" --build-arg BASE=scix-local/jre:17 --build-arg VERSION="$APICURIO_VERSION"

# --- the registry front: Debian's nginx
cached scix-local/nginx:bookworm "$(hash_of "$here"/registry-front/*)-$(docker image inspect -f '{{.Id}}' scix-local/jre:17 | cut -c8-19)" \
  build_context "$here/registry-front" --build-arg BASE=scix-local/jre:17

cat <<VARS
# Point docker compose and the Testcontainers stack at the images built here:
export JDK_IMAGE=scix-local/jdk:17
export JRE_IMAGE=scix-local/jre:17
export KAFKA_IMAGE=scix-local/kafka:$KAFKA_VERSION
export REGISTRY_IMAGE=scix-local/apicurio:$APICURIO_VERSION
export REGISTRY_FRONT_IMAGE=scix-local/nginx:bookworm
VARS
