package dev.zeroedge.loadtest;

import io.netty.buffer.ByteBuf;

/**
 * One request a workload chose: its bytes on the wire and what a correct answer is (status, body length,
 * and which bytes of which file the body must equal).
 *
 * @param request the request bytes; the connection writes a duplicate, so a fixed request is built once
 * @param file    the corpus file's bytes, to check sampled bodies against
 * @param offset  where in the file the body starts (0, or the range's first byte)
 * @param length  the expected {@code Content-Length}
 * @param status  200, or 206 for a range
 */
record RequestTarget(ByteBuf request, ByteBuf file, long offset, long length, int status) {
}
