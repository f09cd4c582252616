/**
 * The seam between the HTTP ladder and where responses come from. A {@link dev.zeroedge.content.ContentSource}
 * answers a request, asynchronously, with an {@link dev.zeroedge.content.Answer}: a status (not found, a
 * redirect, busy) or a {@link dev.zeroedge.content.Representation} (a {@link dev.zeroedge.content.Description}
 * of its fields and validators, and a body the mode's sender can send). The static document root is one
 * source ({@link dev.zeroedge.content.StaticSource}); the edge cache will be another. Preconditions, ranges,
 * HEAD and the body senders after it never know which one they have.
 */
package dev.zeroedge.content;
