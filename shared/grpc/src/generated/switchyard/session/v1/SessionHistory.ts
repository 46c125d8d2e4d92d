// Original file: protos/session.proto

import type { Session as _switchyard_session_v1_Session, Session__Output as _switchyard_session_v1_Session__Output } from '../../../switchyard/session/v1/Session.ts';

export interface SessionHistory {
  'session'?: (_switchyard_session_v1_Session | null);
  'messagesJson'?: (string)[];
}

export interface SessionHistory__Output {
  'session': (_switchyard_session_v1_Session__Output | null);
  'messagesJson': (string)[];
}
