#!/usr/bin/env bash
# Checks the compose stack end to end, as a user would run it, then takes it down:
#   1. docker compose up --build (the gateway and worker images built by their Dockerfiles, whose
#      build stage runs the Maven wrapper inside the container);
#   2. a job submitted from this host through the gateway container goes Pending -> Success;
#   3. --scale worker=3: the workers' consumer group has three members, each with partitions;
#   4. the dashboard answers (with the token);
#   5. docker compose down -v leaves no container, network or volume of the project.
# Uses the official images unless KAFKA_IMAGE, REGISTRY_IMAGE, REGISTRY_FRONT_IMAGE, JDK_IMAGE and
# JRE_IMAGE say otherwise (deploy/images/build-local.sh prints them for its stand-ins). Exits 1,
# saying what failed, on the first check that does not pass. --down-only takes the stack down.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROJECT=scix-pipeline
TOKEN=${DASHBOARD_TOKEN:-compose-dev-token-change-me}

compose() {
  if docker compose version > /dev/null 2>&1; then docker compose -p "$PROJECT" "$@"; else docker-compose -p "$PROJECT" "$@"; fi
}
say() { echo "compose-check: $*"; }
fail() {
  say "FAILED: $*"
  compose ps || true
  compose logs --tail 80 || true
  exit 1
}
down() { compose down -v --remove-orphans > /dev/null 2>&1 || true; }
if [ "${1-}" = "--down-only" ]; then # what a CI run calls on its way out
  down
  exit 0
fi
trap down EXIT

# Polls "$@" every 2 s until it succeeds, for at most $timeout seconds.
wait_for() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" > /dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what not within ${timeout} s"
    sleep 2
  done
}

started=$(date +%s)
say "building and starting (docker compose up --build)"
compose up -d --build
say "up in $(( $(date +%s) - started )) s; waiting for the gateway"
wait_for "gateway ready" 240 curl -fsS http://localhost:9464/health/ready

say "submitting a job from the host through the gateway container"
out=$(./pipeline submit --target localhost:50051 --task SYMBOL1 --daterange 2024-01-01:2024-01-03 --follow) \
  || fail "the job did not reach Success: $out"
echo "$out" | sed 's/^/  /'
job=$(echo "$out" | head -1 | cut -d' ' -f1)
echo "$out" | grep -q "^$job Pending$" || fail "no Pending for $job"
echo "$out" | tail -1 | grep -q "^$job Success$" || fail "$job did not end Success"

say "scaling to three workers"
compose up -d --no-build --scale worker=3 worker
members() {
  compose exec -T kafka /opt/kafka/bin/kafka-consumer-groups.sh --bootstrap-server kafka:9092 \
    --describe --group scix-pipeline-workers --members 2> /dev/null | awk 'NR > 1 && $NF ~ /^[0-9]+$/ && $NF > 0' | wc -l
}
three_members() { [ "$(members)" -eq 3 ]; }
wait_for "three workers sharing the input partitions" 180 three_members
compose exec -T kafka /opt/kafka/bin/kafka-consumer-groups.sh --bootstrap-server kafka:9092 \
  --describe --group scix-pipeline-workers --members 2> /dev/null | sed 's/^/  /'
out=$(./pipeline submit --target localhost:50051 --task SYMBOL1 --daterange 2024-02-01 --follow) || fail "a job after scaling: $out"
echo "$out" | tail -1 | sed 's/^/  /'

say "asking the dashboard"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Dashboard-Token: $TOKEN" http://127.0.0.1:8088/api/overview)
[ "$code" = 200 ] || fail "dashboard answered $code to /api/overview"
curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8088/dashboard/ | grep -q 200 || fail "dashboard page not served at /dashboard/"

say "taking it down (docker compose down -v)"
compose down -v --remove-orphans
left=$(docker ps -a -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
networks=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
volumes=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | wc -l)
[ "$left" -eq 0 ] && [ "$networks" -eq 0 ] && [ "$volumes" -eq 0 ] \
  || fail "left behind: $left container(s), $networks network(s), $volumes volume(s)"
trap - EXIT
say "passed in $(( $(date +%s) - started )) s: job $job Pending -> Success, three workers, dashboard, nothing left"
