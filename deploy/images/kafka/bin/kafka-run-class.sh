#!/bin/bash
# Runs a class of the Kafka distribution (tools log warnings to stderr).
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} -Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.properties -cp "/opt/kafka/libs/*" "$@"
