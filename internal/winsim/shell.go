package winsim

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// exitTerminated is the exit status a command killed by a terminate or ctrl_c signal reports:
// STATUS_CONTROL_C_EXIT (0xC000013A) as a signed 32-bit value. [inferred]
const exitTerminated = -1073741510

// shell is one open WinRS cmd shell. Guarded by Host.mu.
type shell struct {
	id       string
	owner    string
	clientIP string
	codepage int
	created  time.Time
	lastUsed time.Time
	idle     time.Duration // the shell's idle timeout: the client's IdleTimeOut, else the host's
	commands map[string]*command
}

// command is one command started in a shell. The fields above done are written once by the
// goroutine that runs the command, before done is closed; the delivery offsets are guarded by Host.mu.
type command struct {
	id     string
	line   string
	cancel context.CancelFunc
	done   chan struct{}

	stdout, stderr []byte
	exitCode       int

	outSent, errSent int
}

// newID returns an upper-case random UUID, the form Windows uses for shell, command and message ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// createBody is the body of a CreateResponse: x:ResourceCreated with the ShellId selector beside
// rsp:Shell, as in every recording.
func createBody(address string, sh *shell, idle time.Duration) string {
	var b strings.Builder
	b.WriteString(`<s:Body><x:ResourceCreated><a:Address>`)
	b.WriteString(esc(address))
	b.WriteString(`</a:Address><a:ReferenceParameters><w:ResourceURI>` + resourceCmd + `</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">`)
	b.WriteString(sh.id)
	b.WriteString(`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`)
	b.WriteString(`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>`)
	b.WriteString(sh.id)
	b.WriteString(`</rsp:ShellId><rsp:ResourceUri>` + resourceCmd + `</rsp:ResourceUri><rsp:Owner>`)
	b.WriteString(esc(sh.owner))
	b.WriteString(`</rsp:Owner><rsp:ClientIP>`)
	b.WriteString(esc(sh.clientIP))
	b.WriteString(`</rsp:ClientIP><rsp:IdleTimeOut>`)
	b.WriteString(formatDuration(idle))
	b.WriteString(`</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>`)
	b.WriteString(`<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell></s:Body>`)
	return b.String()
}

// commandBody is the body of a CommandResponse.
func commandBody(id string) string {
	return `<s:Body><rsp:CommandResponse><rsp:CommandId>` + id + `</rsp:CommandId></rsp:CommandResponse></s:Body>`
}

// receiveBody renders the next part of a finished command's output. budget is how many raw
// output bytes fit in the response (the client's MaxEnvelopeSize bounds a response, so long output
// is spread over several Receives, as on Windows). The caller holds Host.mu.
// When everything has been sent it adds the End markers and the Done state with the exit code,
// in the order of the recordings; otherwise the state is Running and the client asks again.
func receiveBody(c *command, budget int) string {
	var b strings.Builder
	b.WriteString(`<s:Body><rsp:ReceiveResponse>`)
	stream := func(name string, data []byte, sent *int) {
		n := len(data) - *sent
		if n > budget {
			n = budget
		}
		if n <= 0 {
			return
		}
		b.WriteString(`<rsp:Stream Name="` + name + `" CommandId="` + c.id + `">`)
		b.WriteString(base64.StdEncoding.EncodeToString(data[*sent : *sent+n]))
		b.WriteString(`</rsp:Stream>`)
		*sent += n
		budget -= n
	}
	stream("stdout", c.stdout, &c.outSent)
	stream("stderr", c.stderr, &c.errSent)
	if c.outSent < len(c.stdout) || c.errSent < len(c.stderr) {
		b.WriteString(`<rsp:CommandState CommandId="` + c.id + `" State="` + stateRunning + `"></rsp:CommandState>`)
	} else {
		b.WriteString(`<rsp:Stream Name="stdout" CommandId="` + c.id + `" End="true"></rsp:Stream>`)
		b.WriteString(`<rsp:Stream Name="stderr" CommandId="` + c.id + `" End="true"></rsp:Stream>`)
		b.WriteString(`<rsp:CommandState CommandId="` + c.id + `" State="` + stateDone + `"><rsp:ExitCode>`)
		b.WriteString(strconv.Itoa(c.exitCode))
		b.WriteString(`</rsp:ExitCode></rsp:CommandState>`)
	}
	b.WriteString(`</rsp:ReceiveResponse></s:Body>`)
	return b.String()
}

// receiveBudget is how many raw output bytes one ReceiveResponse may carry for a client that
// asked for maxEnvelope bytes: base64 grows data by 4/3 and the envelope itself needs room.
func receiveBudget(maxEnvelope int) int {
	if maxEnvelope <= 0 {
		maxEnvelope = 153600 // the WinRM default the clients send
	}
	n := (maxEnvelope - 4096) * 3 / 4
	if n < 1024 {
		n = 1024
	}
	return n
}

// skipShellLine builds the line handed to the host for WINRS_SKIP_CMD_SHELL=TRUE. Windows then
// starts the program directly instead of through cmd.exe, so cmd.exe metacharacters in the
// arguments are plain text. The host only knows cmd.exe command lines, so the metacharacters
// outside double quotes are escaped with ^ to keep the same meaning. %VAR% cannot be escaped on a
// cmd.exe command line and is left as is. [approximation, documented in the package comment]
func skipShellLine(line string) string {
	var b strings.Builder
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && strings.ContainsRune("&|<>()^", r):
			b.WriteByte('^')
		}
		b.WriteRune(r)
	}
	return b.String()
}
