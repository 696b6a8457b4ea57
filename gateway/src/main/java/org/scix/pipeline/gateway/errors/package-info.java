/**
 * The gateway's own failures, one type per answer a caller gets: both front doors map them, gRPC
 * in {@code api.GrpcErrors} (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, UNAVAILABLE,
 * DEADLINE_EXCEEDED) and HTTP in {@code http.HttpErrors} (400, 404, 409, 503, 504).
 */
package org.scix.pipeline.gateway.errors;
