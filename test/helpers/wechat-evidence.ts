import type { FileBox } from "file-box";
import { types } from "wechaty";
import { mock, PuppetMock } from "wechaty-puppet-mock";

/** Visit evidence from a mock WeChat contact: shared locations, pictures and files (tests only). */

export type Contact = ReturnType<mock.Mocker["createContact"]>;
export type LocationPayload = { latitude: number; longitude: number; name: string; address: string; accuracy: number };

/**
 * The mock puppet answers every location message with one fixed place (海淀区成府路45号) and cannot
 * have a contact send one (`say` takes text or a file box only). This puppet answers with the
 * location the test gave the message; the message itself goes through the mocker as any other.
 */
export class LocatingPuppetMock extends PuppetMock {
  readonly locations = new Map<string, LocationPayload>();
  override async messageLocation(messageId: string): Promise<LocationPayload> {
    return this.locations.get(messageId) ?? ((await super.messageLocation(messageId)) as LocationPayload);
  }
}

let seq = 0;
/** A contact shares a location with the bot (a Location message at `at`, the payload the puppet answers). */
export function shareLocation(mocker: mock.Mocker, puppet: LocatingPuppetMock, from: Contact, to: Contact, at: Date, payload?: Partial<LocationPayload>): string {
  const id = `loc-${++seq}`;
  if (payload) puppet.locations.set(id, { address: "", accuracy: 20, name: "", latitude: NaN, longitude: NaN, ...payload });
  mocker.MessageMock.create({ id, talkerId: from.id, listenerId: to.id, timestamp: at.getTime(), type: types.Message.Location });
  mocker.puppet.emit("message", { messageId: id });
  return id;
}

/**
 * A file message. The mock's `say(fileBox)` makes an Attachment only of a box whose media type is
 * unknown and whose name ends in .pdf/.doc/.txt, yet FileBox always derives the type from the name;
 * so the message is made the way `say` makes it, with the Attachment type.
 */
export function sendFile(mocker: mock.Mocker, from: Contact, to: Contact, box: FileBox): void {
  const id = `file-${++seq}`;
  mocker.cacheFileBoxPayload.set(id, box.toJSON());
  mocker.MessageMock.create({ id, talkerId: from.id, listenerId: to.id, timestamp: Date.now(), type: types.Message.Attachment });
  mocker.puppet.emit("message", { messageId: id });
}

/** A picture message whose file the puppet cannot give (the mock throws "no filebox cache"). */
export function brokenImage(mocker: mock.Mocker, from: Contact, to: Contact): void {
  const id = `img-${++seq}`;
  mocker.MessageMock.create({ id, talkerId: from.id, listenerId: to.id, timestamp: Date.now(), type: types.Message.Image });
  mocker.puppet.emit("message", { messageId: id });
}

