// Original file: protos/session.proto

import type { Session as _switchyard_session_v1_Session, Session__Output as _switchyard_session_v1_Session__Output } from '../../../switchyard/session/v1/Session.ts';

export interface ListSessionsResponse {
  'items'?: (_switchyard_session_v1_Session)[];
  'total'?: (number);
}

export interface ListSessionsResponse__Output {
  'items': (_switchyard_session_v1_Session__Output)[];
  'total': (number);
}
