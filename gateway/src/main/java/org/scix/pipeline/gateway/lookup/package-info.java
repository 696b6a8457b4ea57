/** Lookups in Kafka the dashboard asks for on demand: a job's input and output records, the worker group and its lag. */
package org.scix.pipeline.gateway.lookup;
