// Loaded by mocha before every test file (.mocharc.json `require`): pods the tests create get no
// CNI network unless a test asks for one, and those tests run podrun inside a network namespace
// of their own (test/helpers/net-sandbox.ts), so no bridge, address or NAT rule is ever made in
// the host's namespace (README, "Network safety").
process.env.PODRUN_NETWORK ??= 'none';
