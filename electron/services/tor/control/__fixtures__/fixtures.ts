// Test helpers: load a wire fixture and frame it. Used only by *.test.ts.
// Reads files beside this one; never writes.
import { readFileSync } from 'node:fs';
import { frameAll, type Reply } from '../framing';

export function fixtureBytes(name: string): Buffer {
  return readFileSync(new URL(`./${name}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return fixtureBytes(name).toString('utf8');
}

export function fixtureReplies(name: string): Reply[] {
  return frameAll(fixtureBytes(name)).map((f) => f.reply);
}

export function fixtureReply(name: string): Reply {
  const replies = fixtureReplies(name);
  if (replies.length !== 1) throw new Error(`${name} holds ${replies.length} replies, expected 1`);
  return replies[0] as Reply;
}

export function replyFromText(wire: string): Reply {
  const frames = frameAll(wire);
  if (frames.length !== 1) throw new Error(`expected 1 reply, got ${frames.length}`);
  return (frames[0] as (typeof frames)[number]).reply;
}
