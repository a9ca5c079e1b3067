package winsim

import (
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"
)

// recordingsDir holds the pypsrp recordings of a real Windows host (see its README.md), part of
// the repository so that the tests comparing the simulator with Windows run everywhere.
const recordingsDir = "testdata/recordings"

// recordingFiles are the recordings the tests replay; recordingNames fails when the directory
// holds a different set, so that a lost file fails the tests rather than shrinking them.
var recordingFiles = []string{
	"test_client_execute_cmd.yml",
	"test_winrs_bad_cmd_id.yml",
	"test_winrs_open_already_opened.yml",
	"test_winrs_operation_timeout.yml",
	"test_winrs_standard.yml",
	"test_winrs_stderr_rc.yml",
}

// exchange is one request/response pair of a recording.
type exchange struct {
	request, response string
	status            int // 500 when the recording has a transport_error, else 200
}

// loadRecording reads the small YAML subset the pypsrp recordings use: one line per
// "- request:" and "  response:", optionally followed by "  transport_error:" with "code: N".
func loadRecording(t testing.TB, name string) []exchange {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(recordingsDir, name))
	if err != nil {
		t.Fatalf("recording of a real Windows host missing (restore %s from git): %v", recordingsDir, err)
	}
	var out []exchange
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "- request: "):
			out = append(out, exchange{request: strings.TrimPrefix(line, "- request: "), status: 200})
		case strings.HasPrefix(line, "  response: ") && len(out) > 0:
			out[len(out)-1].response = strings.TrimPrefix(line, "  response: ")
		case strings.HasPrefix(strings.TrimSpace(line), "code: ") && len(out) > 0:
			if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "code:")) == "500" {
				out[len(out)-1].status = 500
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no exchanges", name)
	}
	return out
}

// recordingNames returns recordingFiles after checking that they, and no other recordings, are in
// recordingsDir.
func recordingNames(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(recordingsDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	found := make([]string, len(m))
	for i, p := range m {
		found[i] = filepath.Base(p)
	}
	slices.Sort(found)
	if !slices.Equal(found, recordingFiles) {
		t.Fatalf("%s holds %q, want %q: restore the missing files from git, or list a new one in recordingFiles",
			recordingsDir, found, recordingFiles)
	}
	return recordingFiles
}

func TestParseEnvelopeRecordedRequests(t *testing.T) {
	for _, name := range recordingNames(t) {
		for i, ex := range loadRecording(t, name) {
			req, err := parseEnvelope([]byte(ex.request))
			if err != nil {
				t.Fatalf("%s #%d: %v", name, i, err)
			}
			if _, ok := actionNames[req.Action]; !ok {
				t.Errorf("%s #%d: unexpected action %q", name, i, req.Action)
			}
			if !strings.HasPrefix(req.MessageID, "uuid:") || req.Timeout <= 0 || req.MaxEnvelope != 153600 {
				t.Errorf("%s #%d: headers not read: %+v", name, i, req)
			}
			switch req.Action {
			case actionCreate:
				if !req.HasShell || req.ResourceURI != resourceCmd {
					t.Errorf("%s #%d: create body not read", name, i)
				}
			case actionCommand:
				if !req.HasCommandLine || req.Selectors["ShellId"] == "" || req.commandLine() == "" {
					t.Errorf("%s #%d: command not read: %+v", name, i, req)
				}
			case actionReceive, actionSignal:
				if req.CommandID == "" || req.Selectors["ShellId"] == "" {
					t.Errorf("%s #%d: ids not read: %+v", name, i, req)
				}
			}
		}
	}
}

func TestParseEnvelopeCommandForms(t *testing.T) {
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	tests := []struct {
		name string
		body string
		want string
		skip bool
	}{
		{"masterzen CDATA", winrm.NewExecuteCommandRequest("http://h/wsman", "S1", `echo a & echo "b" > nul`, nil, params).String(),
			`echo a & echo "b" > nul`, false},
		{"masterzen with arguments", winrm.NewExecuteCommandRequest("http://h/wsman", "S1", "ipconfig", []string{"/all", "x&y"}, params).String(),
			"ipconfig /all x&y", false},
		{"recorded escaped arguments", loadRecording(t, "test_winrs_stderr_rc.yml")[1].request,
			"cmd.exe /c echo out && echo err>&2 && exit 1", false},
		{"recorded split arguments", loadRecording(t, "test_winrs_standard.yml")[1].request,
			"cmd.exe /c echo hi", false},
		{"recorded bare command", loadRecording(t, "test_client_execute_cmd.yml")[6].request, "echo abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := parseEnvelope([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := req.commandLine(); got != tt.want {
				t.Errorf("command line %q, want %q", got, tt.want)
			}
			if skip, present := req.optionBool("WINRS_SKIP_CMD_SHELL"); !present || skip {
				t.Errorf("WINRS_SKIP_CMD_SHELL = %v, %v", skip, present)
			}
		})
	}
}

func TestParseEnvelopeRefusals(t *testing.T) {
	good := winrm.NewOpenShellRequest("http://h/wsman", winrm.NewParameters("PT60S", "en-US", 153600)).String()
	tests := []struct {
		name string
		body string
		want faultKind
	}{
		{"empty", "", faultSchema},
		{"not xml", "hello", faultSchema},
		{"truncated", good[:len(good)/2], faultSchema},
		{"soap 1.1", strings.ReplaceAll(good, "http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/"), faultSchema},
		{"no header", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`, faultSchema},
		{"no action", strings.Replace(good, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "", 1), faultHeaderRequired},
		{"bad timeout", strings.Replace(good, "PT60S", "sixty", 1), faultInvalidTimeout},
		{"other charset", `<?xml version="1.0" encoding="latin1"?>` + good, faultSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseEnvelope([]byte(tt.body))
			var pe *parseError
			if !errors.As(err, &pe) || pe.kind != tt.want {
				t.Fatalf("err = %v, want kind %d", err, tt.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT60S", 60 * time.Second, true},
		{"PT60.000S", 60 * time.Second, true},
		{"PT0.5S", 500 * time.Millisecond, true},
		{"PT1M30S", 90 * time.Second, true},
		{"P0DT0H0M20S", 20 * time.Second, true},
		{"P1D", 24 * time.Hour, true},
		{"PT", 0, false},
		{"P", 0, false},
		{"60", 0, false},
		{"PT5X", 0, false},
		{"PT1H2H", 3 * time.Hour, true},
		{"P1M", 0, false},
		{"PTT5S", 0, false},
		{"PT99999999999999999999S", 0, false},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestResponsesAreWellFormed checks that every response the builders produce parses as XML,
// whatever ends up in the echoed values.
func TestResponsesAreWellFormed(t *testing.T) {
	nasty := `uuid:<&>"']]>` + "\x00"
	bodies := [][]byte{
		soapResponse("en-US", actionCreateResponse, nasty, createBody(nasty, &shell{id: "X", owner: nasty, clientIP: nasty}, time.Minute)),
		soapResponse("en-US", actionReceiveResponse, nasty, receiveBody(&command{id: "C", stdout: []byte("a"), stderr: []byte{0xff}}, 10)),
	}
	for k := range faultSpecs {
		bodies = append(bodies, faultBody(k, "ja-JP", nasty, nasty, nasty))
	}
	for i, b := range bodies {
		if err := xml.Unmarshal(b, new(struct{})); err != nil {
			t.Errorf("response %d not well formed: %v\n%s", i, err, b)
		}
	}
}

func FuzzEnvelope(f *testing.F) {
	params := winrm.NewParameters("PT60S", "en-US", 153600)
	f.Add([]byte(winrm.NewOpenShellRequest("http://h/wsman", params).String()))
	f.Add([]byte(winrm.NewExecuteCommandRequest("http://h/wsman", "S", "echo ]]> & x", []string{"a"}, params).String()))
	f.Add([]byte(winrm.NewGetOutputRequest("http://h/wsman", "S", "C", "stdout stderr", params).String()))
	f.Add([]byte(winrm.NewSignalRequest("http://h/wsman", "S", "C", params).String()))
	f.Add([]byte(winrm.NewSendInputRequest("http://h/wsman", "S", "C", []byte("x"), true, params).String()))
	f.Add([]byte(winrm.NewDeleteShellRequest("http://h/wsman", "S", params).String()))
	f.Add([]byte(""))
	f.Add([]byte("<"))
	f.Add([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>`))
	for _, ex := range loadRecording(f, "test_winrs_stderr_rc.yml") {
		f.Add([]byte(ex.request))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := parseEnvelope(data)
		if err != nil {
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if req.Action == "" || req.MessageID == "" || req.Timeout < 0 {
			t.Fatalf("accepted request without required headers: %+v", req)
		}
		_ = req.commandLine()
		// Whatever was accepted must come back out as well-formed XML.
		out := faultBody(faultActionNotSupported, responseLang(req.Locale), req.MessageID, "m", req.Action)
		if err := xml.Unmarshal(out, new(struct{})); err != nil {
			t.Fatalf("fault for accepted request not well formed: %v", err)
		}
	})
}
