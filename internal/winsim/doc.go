// Package winsim serves simulated Windows hosts over the real WinRM protocol (WS-Management over
// HTTP or HTTPS, the cmd shell resource), for tests, benchmarks and demos that cannot reach a
// Windows machine. Each Host is one machine (package winhost: registry, services, cmd.exe and its
// programs) behind its own listener; Start serves one, StartN several on distinct loopback
// addresses. Control methods change a host behind the client's back and inject faults; Stats
// counts requests.
//
// # Protocol
//
// Create, Command, Receive, Signal, Delete (and Send, whose input is discarded) of the resource
// http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd. Every response is
// application/soap+xml;charset=UTF-8 with the action, a fresh MessageID, a:RelatesTo echoing the
// request and xml:lang on the envelope. Faults are HTTP 500. Receive is a long poll held until the
// command ends, the request's OperationTimeout passes (then the w:TimedOut fault) or the client
// leaves; it never answers "Running" with no output. Output larger than the client's
// MaxEnvelopeSize allows is spread over several Receives. Shells expire after the IdleTimeOut the
// client asked for in its Create (rsp:Shell/rsp:IdleTimeOut), else after ShellIdleTimeout.
//
// # Authentication and encryption
//
// As a default Windows host: Negotiate (NTLM) only, Basic when enabled; 401 with an empty body
// for any refusal. NTLM state and sealing keys belong to the TCP connection. Over HTTP a plain
// body is refused unless AllowUnencrypted, and so is Basic; multipart/encrypted bodies sealed with
// the NTLM session (HTTP-SPNEGO-session-encrypted) are accepted without an Authorization header
// on the connection that authenticated, and answered sealed. Over HTTPS plain bodies are fine.
// Only administrators may use the service.
//
// A member or domain controller belongs to a domain and takes its accounts under every name
// Windows does (DOMAIN\user, dns.domain\user, user@dns.domain; any case), besides a member's
// local accounts (user, .\user, HOSTNAME\user); its NTLM challenge names the domain. The NTLM
// proof is checked against the user and domain the client sent, as the domain's controller
// would. Basic takes local accounts only (Microsoft's WinRM documentation). See accounts.go.
//
// # What is taken from real transcripts and what is inferred
//
// Taken from recordings of a real Windows server (jborean93/pypsrp, copied into
// testdata/recordings and replayed by the tests) and the masterzen/winrm fixtures: the envelopes of
// CreateResponse (x:ResourceCreated beside rsp:Shell), CommandResponse, ReceiveResponse (data
// streams, then End markers, then CommandState with ExitCode), SignalResponse and DeleteResponse,
// with their namespace declarations; the w:TimedOut fault (WSManFault 2150858793) and the
// w:InvalidSelectors fault for an unknown command id (2150858843, faultDetail
// UnexpectedSelectors), both with HTTP 500; both command forms (a whole line in rsp:Command, or a
// program and rsp:Arguments).
//
// From client bug reports and packet captures quoted there (not from transcripts here): 401 with
// an empty body for a wrong password and for plain bodies over HTTP when AllowUnencrypted is false
// (hashicorp/packer#6205); the text of the "shell not found" message; access denied for
// non-administrators reported as WSManFault code 5 (WinRb/WinRM#194).
//
// Inferred, and kept in one place (faults.go) to be corrected against a real host: the shapes and
// texts of the access-denied, quota (w:QuotaLimit, 2150859173), schema-validation (2150858817),
// missing or duplicated addressing header, unsupported action (a:ActionNotSupported,
// 2150858753), unknown resource URI, oversized envelope (w:EncodingLimit, 2150858825), invalid
// timeout and injected internal-error faults, whose codes come from Windows' error tables. Also
// inferred: HTTP 400 for a sealed body that fails its signature; the exit status of a command
// ended by a signal (STATUS_CONTROL_C_EXIT); the default operation timeout of 60 s when a request
// names none; and WINRS_SKIP_CMD_SHELL=TRUE, approximated by escaping cmd.exe metacharacters
// outside quotes before the line reaches the machine's cmd.exe (skipShellLine).
package winsim
