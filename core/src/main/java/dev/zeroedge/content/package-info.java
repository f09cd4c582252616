/**
 * The seam between the HTTP ladder and where responses come from. A {@link dev.zeroedge.content.ContentSource}
 * answers a request, asynchronously, with an {@link dev.zeroedge.content.Answer}: a status (not found, a
 * redirect, busy) or a {@link dev.zeroedge.content.Representation} (a {@link dev.zeroedge.content.Description}
 * of its fields, validators and status, and a body the mode's sender can send), or a
 * {@link dev.zeroedge.content.Relay} (a description and a {@link dev.zeroedge.content.RelayedBody}: bytes that are in
 * no file, as an edge cache passes an origin's response through when its disk cannot take it). The static
 * document root is one source ({@link dev.zeroedge.content.StaticSource}); the edge cache is another. Preconditions, ranges,
 * HEAD and the body senders after it never know which one they have.
 */
package dev.zeroedge.content;
