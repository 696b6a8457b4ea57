#!/bin/bash
# kafka-server-start.sh [server.properties]: this image starts from the environment (see /etc/kafka/docker/run).
exec /etc/kafka/docker/run
