/** Small helpers every service uses: named daemon threads, quiet sleeps, the host's name. */
package org.scix.pipeline.core.util;
