package winsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bodgit/ntlmssp"
	ntlmhttp "github.com/bodgit/ntlmssp/http"
	"github.com/masterzen/winrm"
)

// skeleton is a response's element structure: qualified names in document order with runs of
// the same name collapsed (Windows splits output into a varying number of rsp:Stream elements),
// plus the action and the fault subcode and code.
func skeleton(t *testing.T, body string) []string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	var out []string
	var text strings.Builder
	var path []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("response not well formed: %v\n%s", err, body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			path = append(path, tok.Name.Local)
			if tok.Name.Local == "ActivityId" {
				// Optional: one recorded host adds p:ActivityId to every header, the others never.
				dec.Skip()
				path = path[:len(path)-1]
				continue
			}
			name := tok.Name.Space + " " + tok.Name.Local
			for _, a := range tok.Attr {
				if a.Name.Local == "State" || a.Name.Local == "Code" && tok.Name.Local == "WSManFault" {
					name += " " + a.Name.Local + "=" + a.Value
				}
			}
			if len(out) == 0 || out[len(out)-1] != name {
				out = append(out, name)
			}
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			switch strings.Join(path[max(0, len(path)-2):], "/") {
			case "Header/Action", "Subcode/Value":
				out = append(out, "= "+strings.TrimSpace(text.String()))
			}
			path = path[:len(path)-1]
		}
	}
	return out
}

var uuidRE = regexp.MustCompile(`[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}`)

// TestRecordings replays the requests Windows received in the pypsrp recordings (their shell and
// command ids replaced by the simulator's) and checks each response has the recorded shape:
// HTTP status, action, elements in order, fault subcode and WSManFault code, command state.
func TestRecordings(t *testing.T) {
	for _, name := range recordingNames(t) {
		t.Run(name, func(t *testing.T) {
			h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true, OperationTimeout: 50 * time.Millisecond})
			r := newRaw(t, h)
			exchanges := loadRecording(t, name)
			ids := map[string]string{} // recorded id -> simulator id
			for i, ex := range exchanges {
				req := uuidRE.ReplaceAllStringFunc(ex.request, func(id string) string {
					if v, ok := ids[id]; ok {
						return v
					}
					return id
				})
				if name == "test_winrs_operation_timeout.yml" && strings.Contains(req, "powershell.exe") {
					// A 30-second PowerShell script: the simulator has no PowerShell, so the
					// command is made to hang and the Receives see the long poll end in TimedOut.
					h.HangNext(1)
				}
				resp := r.post(req)
				want := skeleton(t, ex.response)
				status := ex.status
				if name == "test_winrs_operation_timeout.yml" && strings.Contains(req, "/shell/Receive<") {
					// Windows streamed "hi" early and the rest after 30 s; a hung command gives the
					// recorded TimedOut fault on every Receive.
					want = skeleton(t, exchanges[3].response)
					status = 500
				}
				if resp.status != status {
					t.Errorf("#%d: status %d, want %d", i, resp.status, status)
				}
				got := skeleton(t, resp.body)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("#%d: response shape differs\n got: %q\nwant: %q\nbody: %s", i, got, want, resp.body)
				}
				// Learn the ids the recorded response introduced.
				for _, pair := range [][2]string{{`Name="ShellId">`, `<`}, {`<rsp:CommandId>`, `<`}} {
					if rec, ok := between(ex.response, pair[0], pair[1]); ok {
						if mine, ok := between(resp.body, pair[0], pair[1]); ok {
							ids[rec] = mine
						}
					}
				}
			}
		})
	}
}

func between(s, start, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, end)
	return v, ok
}

// TestRecordedOutput checks the command output of the recordings that ran cmd.exe programs the
// simulator has.
func TestRecordedOutput(t *testing.T) {
	tests := []struct {
		file           string
		stdout, stderr string
		code           int
	}{
		{"test_winrs_standard.yml", "hi\r\n", "", 0},
		{"test_winrs_stderr_rc.yml", "out \r\n", "err \r\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true})
			c := newClient(t, h, defaultUsername, defaultPassword, nil)
			req, err := parseEnvelope([]byte(loadRecording(t, tt.file)[1].request))
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code, err := run(t, c, req.commandLine())
			if err != nil || stdout != tt.stdout || stderr != tt.stderr || code != tt.code {
				t.Errorf("got %q %q %d %v", stdout, stderr, code, err)
			}
		})
	}
}

// TestSealedSession drives the session-encryption client of github.com/bodgit/ntlmssp/http:
// one handshake on an empty-body POST, then every message sealed on the same connection with no
// further authentication — one HTTP request per SOAP message.
//
// That client rewrites the sealed bytes line by line in its MIME handling and so damages a small
// fraction of messages (about 2^-15 per byte each way; see ntlmsrv's tests). A fault of the server
// would fail every attempt; the client's fails one now and then, so the exchange is tried up to
// five times.
func TestSealedSession(t *testing.T) {
	var errs []error
	for attempt := 0; attempt < 5; attempt++ {
		err := sealedSession(t)
		if err == nil {
			return
		}
		t.Logf("attempt %d: %v", attempt+1, err)
		errs = append(errs, err)
	}
	t.Fatalf("every attempt failed: %v", errs)
}

func sealedSession(t *testing.T) error {
	h := startHost(t, Options{})
	nc, err := ntlmssp.NewClient(ntlmssp.SetUserInfo(defaultUsername, defaultPassword), ntlmssp.SetDomain(""))
	if err != nil {
		return err
	}
	hc, err := ntlmhttp.NewClient(&http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}, nc, ntlmhttp.Encryption(true))
	if err != nil {
		return err
	}
	post := func(body string) (int, string, error) {
		var rd io.Reader
		if body != "" {
			// Hide the length: the client seals the body after the request is built, and a
			// ContentLength taken from a strings.Reader would no longer match.
			rd = io.NopCloser(strings.NewReader(body))
		}
		req, err := http.NewRequest(http.MethodPost, h.URL(), rd)
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	if status, _, err := post(""); err != nil || status != 200 {
		return fmt.Errorf("session open: %d: %w", status, err)
	}
	h.ResetStats()
	status, body, err := post(winrm.NewOpenShellRequest(h.URL(), params()).String())
	shellID, _ := winrm.ParseOpenShellResponse(body)
	if err != nil || status != 200 || shellID == "" {
		return fmt.Errorf("create: %d %s: %w", status, body, err)
	}
	_, body, err = post(winrm.NewExecuteCommandRequest(h.URL(), shellID, "echo sealed", nil, params()).String())
	if err != nil {
		return fmt.Errorf("command: %w", err)
	}
	cmdID, err := winrm.ParseExecuteCommandResponse(body)
	if err != nil {
		return fmt.Errorf("command response: %w", err)
	}
	_, body, err = post(winrm.NewGetOutputRequest(h.URL(), shellID, cmdID, "stdout stderr", params()).String())
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	var stdout, stderr bytes.Buffer
	done, code, _ := winrm.ParseSlurpOutputErrResponse(body, &stdout, &stderr)
	if !done || code != 0 || stdout.String() != "sealed\r\n" {
		return fmt.Errorf("receive: %v %d %q", done, code, stdout.String())
	}
	if st := h.Stats(); st.HTTPRequests != 3 || st.Requests["Auth"] != 0 {
		t.Errorf("stats %+v, want one HTTP request per message", st)
	}
	return nil
}
