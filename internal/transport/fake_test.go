package transport

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Response shapes copied from the recordings of a real Windows host
// (internal/winsim/testdata/recordings) and masterzen/winrm's fixture_test.go.
const (
	envOpen  = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>%s</a:Action><a:MessageID>uuid:C145AC62-4409-47E6-AFA3-4A8D77C21AAF</a:MessageID><p:ActivityId>1A2F2108-D2BA-0001-1671-301ABAD2D301</p:ActivityId><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:81154310-1C68-4690-9BD0-EA693328825B</a:RelatesTo></s:Header><s:Body>`
	envClose = `</s:Body></s:Envelope>`

	createBody  = `<x:ResourceCreated><a:Address>http://192.168.56.15:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated><rsp:Shell xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><rsp:ShellId>%s</rsp:ShellId><rsp:ResourceUri>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</rsp:ResourceUri><rsp:Owner>vagrant</rsp:Owner><rsp:ClientIP>192.168.56.1</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	commandBody = `<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>`
	receiveDone = `<rsp:ReceiveResponse>%s<rsp:Stream Name="stdout" CommandId="%[2]s" End="true"></rsp:Stream><rsp:Stream Name="stderr" CommandId="%[2]s" End="true"></rsp:Stream><rsp:CommandState CommandId="%[2]s" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse>`
	signalBody  = `<rsp:SignalResponse/>`

	faultTmpl = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:MessageID>uuid:0D4B0250-D011-45CB-B33F-612745F6BEC5</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:9BE5F54A-6B47-487D-9ACD-65201E650446</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>%s</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="%s" Machine="192.168.56.11"><f:Message>%s</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`
)

var (
	faultTimedOut = fmt.Sprintf(faultTmpl, "s:Receiver", "w:TimedOut",
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ",
		CodeTimedOut, "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  ")
	faultInvalidSelectors = fmt.Sprintf(faultTmpl, "s:Sender", "w:InvalidSelectors",
		"The WS-Management service cannot process the request because the request contained invalid selectors for the resource. ",
		CodeInvalidSelectors, "The request for the Windows Remote Shell with ShellId 1 failed because the shell was not found on the server.")
	faultInternal = fmt.Sprintf(faultTmpl, "s:Receiver", "w:InternalError",
		"The WS-Management service cannot process the request.", CodeShellPluginError,
		`<f:ProviderFault provider="Shell cmd plugin" path="%systemroot%\system32\winrscmd.dll">The shell plugin failed.</f:ProviderFault>`)
	faultAccessDenied = fmt.Sprintf(faultTmpl, "s:Sender", "w:AccessDenied",
		"Access is denied.", CodeAccessDenied, "Access is denied. ")
	faultQuota = fmt.Sprintf(faultTmpl, "s:Receiver", "w:QuotaLimit",
		"The WS-Management service cannot process the request.", CodeQuotaMaxShells,
		"The WS-Management service cannot process the request. This user is allowed a maximum number of 1 concurrent shells, which has been exceeded.")
)

var actionRE = regexp.MustCompile(`Action[^>]*>([^<]+)<`)

func actionOf(body string) string {
	m := actionRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	a := m[1]
	return a[strings.LastIndexByte(a, '/')+1:]
}

// fakeHost is a minimal scripted WinRM endpoint over httptest with Basic auth.
type fakeHost struct {
	t    *testing.T
	srv  *httptest.Server
	user string
	pass string

	mu       sync.Mutex
	counts   map[string]int
	http     int
	authHdrs []string
	bodies   []string
	shells   int
	// script, when set, may answer a request itself (return true).
	script func(w http.ResponseWriter, r *http.Request, action string, n int) bool
	stdout string
	exit   int
}

func newFakeHost(t *testing.T, tlsSrv bool) *fakeHost {
	f := &fakeHost{t: t, user: "admin", pass: "S3cret!pass", counts: map[string]int{}, stdout: "hi\r\n"}
	h := http.HandlerFunc(f.serve)
	if tlsSrv {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHost) hostPort() (string, int) {
	u, _ := url.Parse(f.srv.URL)
	p, _ := strconv.Atoi(u.Port())
	return u.Hostname(), p
}

func (f *fakeHost) config() Config {
	h, p := f.hostPort()
	return Config{Host: h, Port: p, Username: f.user, Password: f.pass, Auth: "basic", AllowUnencrypted: true,
		Timeout: 5 * time.Second, MaxRetries: 3}
}

func (f *fakeHost) count(action string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[action]
}

func (f *fakeHost) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	body := string(b)
	action := actionOf(body)
	f.mu.Lock()
	f.http++
	f.authHdrs = append(f.authHdrs, r.Header.Get("Authorization"))
	f.bodies = append(f.bodies, body)
	f.counts[action]++
	n := f.counts[action]
	script := f.script
	f.mu.Unlock()

	u, p, ok := r.BasicAuth()
	if !ok || u != f.user || p != f.pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if script != nil && script(w, r, action, n) {
		return
	}
	f.answer(w, action, body)
}

func writeSOAP(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s)
}

func (f *fakeHost) answer(w http.ResponseWriter, action, body string) {
	switch action {
	case "Create":
		f.mu.Lock()
		f.shells++
		id := fmt.Sprintf("SHELL-%d", f.shells)
		f.mu.Unlock()
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse")+
			fmt.Sprintf(createBody, id, id)+envClose)
	case "Command":
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse")+
			fmt.Sprintf(commandBody, "CMD-1")+envClose)
	case "Receive":
		f.mu.Lock()
		out, code := f.stdout, f.exit
		f.mu.Unlock()
		streams := ""
		if out != "" {
			streams = `<rsp:Stream Name="stdout" CommandId="CMD-1">` + base64.StdEncoding.EncodeToString([]byte(out)) + `</rsp:Stream>`
		}
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse")+
			fmt.Sprintf(receiveDone, streams, "CMD-1", code)+envClose)
	case "Signal":
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse")+signalBody+envClose)
	case "Delete":
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse")+envClose)
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}
