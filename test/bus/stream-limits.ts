// Stream size for test streams. JetStream reserves each stream's max_bytes against the server's
// storage limit, so test runs that create many streams ask for little (the 8 GiB default is for
// deployments).

export const TEST_STREAM_BYTES = 64 * 1024 * 1024;
