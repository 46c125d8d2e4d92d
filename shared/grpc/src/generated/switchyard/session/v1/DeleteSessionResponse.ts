// Original file: protos/session.proto


export interface DeleteSessionResponse {
}

export interface DeleteSessionResponse__Output {
}
