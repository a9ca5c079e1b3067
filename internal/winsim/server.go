package winsim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim/ntlmsrv"
)

const (
	contentTypeSOAP = "application/soap+xml;charset=UTF-8"
	// serverHeader is what WinRM's HTTP.sys listener says it is.
	serverHeader = "Microsoft-HTTPAPI/2.0"
	// unavailableBody is HTTP.sys's own 503 page, sent with text/html like Windows.
	unavailableBody = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n" +
		"<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n" +
		"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n" +
		"<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n"
)

type connKey struct{}

// connState is the per-TCP-connection state: Windows keys NTLM authentication and the sealing
// keys to the connection, so a new connection needs a new handshake.
type connState struct {
	mu   sync.Mutex
	conn net.Conn
	ntlm *ntlmsrv.Conn // nil until a Negotiate handshake starts
	krb  *krbSession   // the Kerberos session, nil until an AP-REQ is verified (then ntlm is nil)
	user string        // the authenticated user, "" until the handshake completes
}

func withConnState(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connState{conn: c})
}

// reply is what a SOAP handler answers.
type reply struct {
	status int
	body   []byte
}

// ServeHTTP serves POST /wsman. It never panics on any input and never holds a request longer
// than the operation timeout. Each step answers the request itself when it ends it early.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer answerPanic(w)
	w.Header().Set("Server", serverHeader)
	if !h.admit(r) {
		return
	}
	cs := connStateOf(r)
	if !h.route(w, r) {
		return
	}
	user, ok := h.authenticate(w, r, cs)
	if !ok {
		h.count("Auth")
		return
	}
	raw, ok := h.readBody(w, r)
	if !ok {
		return
	}
	body, sealer, ok := h.unseal(w, r, cs, raw)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// Clients open a session with an empty-body POST (pywinrm, masterzen's encryption):
		// once authenticated it gets 200 and no body.
		h.count("Auth")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	req, lang, ok := h.parseRequest(w, sealer, body)
	if !ok || !h.admitAction(w, cs, sealer, lang, user, req) {
		return
	}
	rep := h.dispatch(r, req, lang, user)
	if rep.body == nil {
		return // the client went away during a long poll
	}
	h.write(w, sealer, lang, rep)
}

// answerPanic, deferred, answers a panic of the handler like an internal failure rather than
// dropping the process: a panic is a bug, not bad input. http.ErrAbortHandler goes on up.
func answerPanic(w http.ResponseWriter) {
	if v := recover(); v != nil {
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(v)
		}
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// admit counts the HTTP request and waits out the injected latency. It reports false when the
// client went away meanwhile.
func (h *Host) admit(r *http.Request) bool {
	// Counted whatever the host offers, so that tests can prove a client
	// never sent a password in clear (whether or not it was accepted).
	basic := strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("Authorization"))), "basic")
	h.mu.Lock()
	h.httpRequests++
	if basic {
		h.basicCredentials++
	}
	latency := h.latency
	h.mu.Unlock()
	return latency <= 0 || h.sleep(r.Context(), latency)
}

// connStateOf returns the state of the request's TCP connection, or a fresh one when the server
// attached none (a handler called directly).
func connStateOf(r *http.Request) *connState {
	if cs, _ := r.Context().Value(connKey{}).(*connState); cs != nil {
		return cs
	}
	return &connState{}
}

// route answers 404 to any path but /wsman and 405 to any method but POST, and then reports false.
func (h *Host) route(w http.ResponseWriter, r *http.Request) bool {
	if !strings.EqualFold(r.URL.Path, "/wsman") {
		h.count("Other")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNotFound)
		return false
	}
	if r.Method != http.MethodPost {
		h.count("Other")
		w.Header().Set("Allow", http.MethodPost)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return false
	}
	return true
}

// readBody reads the request body, answering the w:EncodingLimit fault when it is larger than a
// sealed envelope of MaxEnvelopeSize can be. It reports false when the request is over.
func (h *Host) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := int64(h.opts.MaxEnvelopeSize)*2 + 64<<10
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.count("Other")
			w.Header().Set("Connection", "close")
			h.write(w, nil, "en-US", reply{http.StatusInternalServerError,
				faultBody(faultEncodingLimit, "en-US", "", h.ip, strconv.Itoa(h.opts.MaxEnvelopeSize))})
		}
		return nil, false // a read error or timeout: the connection is gone
	}
	return raw, true
}

// unseal returns the SOAP body of raw: decrypted with the connection's NTLM session when it is
// sealed (then sealer is that session, to seal the answer), else raw itself when the host takes
// plain bodies on this transport. It answers a refused body itself and then reports false.
func (h *Host) unseal(w http.ResponseWriter, r *http.Request, cs *connState, raw []byte) (body []byte, sealer bodySealer, ok bool) {
	ct := r.Header.Get("Content-Type")
	switch {
	case isEncrypted(ct) && (isKerberosSealed(ct) || cs.hasKerberos()):
		return h.unsealKerberos(w, cs, ct, raw)
	case isEncrypted(ct):
		cs.mu.Lock()
		nc, authed := cs.ntlm, cs.user != ""
		cs.mu.Unlock()
		if nc == nil || !authed {
			// Sealed with keys this connection never negotiated (Basic, or a new connection).
			h.count("Auth")
			h.unauthorized(w)
			return nil, nil, false
		}
		plain, err := nc.DecryptBody(ct, raw)
		if err != nil {
			// A body that fails its signature. Windows drops such a message; answer 400 with no
			// body so the client sees a transport error. [inferred]
			h.count("Other")
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusBadRequest)
			return nil, nil, false
		}
		return plain, nc, true
	case len(raw) > 0 && r.TLS == nil && !h.opts.AllowUnencrypted:
		// A plain SOAP body over HTTP on a host with AllowUnencrypted=false: Windows answers 401
		// with an empty body to every such request, even after a successful NTLM handshake
		// (jborean93's packet capture in hashicorp/packer#6205). Some reports show 500 for
		// Kerberos; 401 is what NTLM and Basic clients get.
		h.count("Auth")
		h.unauthorized(w)
		return nil, nil, false
	}
	return raw, nil, true
}

// parseRequest parses the envelope and counts the request under its action's name, answering
// an oversized or malformed envelope with its fault. lang is the language to answer in.
func (h *Host) parseRequest(w http.ResponseWriter, sealer bodySealer, body []byte) (req *request, lang string, ok bool) {
	lang = "en-US"
	if len(body) > h.opts.MaxEnvelopeSize {
		h.count("Other")
		id := ""
		if req, err := parseEnvelope(body); err == nil {
			id = req.MessageID
		}
		h.write(w, sealer, lang, reply{http.StatusInternalServerError,
			faultBody(faultEncodingLimit, lang, id, h.ip, strconv.Itoa(h.opts.MaxEnvelopeSize))})
		return nil, lang, false
	}
	req, err := parseEnvelope(body)
	if err != nil {
		h.count("Other")
		var pe *parseError
		if !errors.As(err, &pe) {
			pe = &parseError{kind: faultSchema}
		}
		h.write(w, sealer, lang, reply{http.StatusInternalServerError, faultBody(pe.kind, lang, pe.messageID, h.ip, "")})
		return nil, lang, false
	}
	h.count(actionName(req.Action))
	return req, responseLang(req.Locale), true
}

// actionName is the name Stats counts an action under: "Other" for one the service does not know.
func actionName(action string) string {
	if name, known := actionNames[action]; known {
		return name
	}
	return "Other"
}

// admitAction refuses a request by a user who is not an administrator or for an unknown action,
// and plays an injected dropped connection or fault. It answers the request itself and reports
// false when it ends it.
func (h *Host) admitAction(w http.ResponseWriter, cs *connState, sealer bodySealer, lang, user string, req *request) bool {
	if u := h.users[strings.ToUpper(user)]; !u.Admin {
		h.write(w, sealer, lang, reply{http.StatusInternalServerError, faultBody(faultAccessDenied, lang, req.MessageID, h.ip, "")})
		return false
	}
	name, known := actionNames[req.Action]
	if !known {
		h.write(w, sealer, lang, reply{http.StatusInternalServerError, faultBody(faultActionNotSupported, lang, req.MessageID, h.ip, req.Action)})
		return false
	}
	if h.takeDrop(name) {
		h.drop(w, cs)
		return false
	}
	if rep, injected := h.injectFault(lang, req); injected {
		if rep.body == nil {
			w.Header().Set("Content-Type", "text/html; charset=us-ascii")
			w.Header().Set("Content-Length", strconv.Itoa(len(unavailableBody)))
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, unavailableBody)
			return false
		}
		h.write(w, sealer, lang, rep)
		return false
	}
	return true
}

// dispatch runs a request for a known action and returns its answer; a nil body means the client
// went away during a long poll.
func (h *Host) dispatch(r *http.Request, req *request, lang, user string) reply {
	switch req.Action {
	case actionCreate:
		return h.create(req, lang, user, r.RemoteAddr)
	case actionCommand:
		return h.command(req, lang, user)
	case actionReceive:
		return h.receive(r.Context(), req, lang, user)
	case actionSignal:
		return h.signal(req, lang, user)
	case actionDelete:
		return h.delete(req, lang, user)
	case actionSend:
		return h.send(req, lang, user)
	}
	return reply{}
}

// authenticate checks the request's credentials and, when they do not let it through, writes
// the 401 itself. Windows answers every refusal, wrong password included, with 401 and an empty body.
func (h *Host) authenticate(w http.ResponseWriter, r *http.Request, cs *connState) (string, bool) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	switch strings.ToLower(scheme) {
	case "negotiate", "ntlm":
		if h.krb != nil && isKerberosToken(token) {
			return h.authenticateKerberos(w, cs, scheme, token)
		}
		return h.authenticateNTLM(w, cs, scheme, token)
	case "kerberos":
		return h.authenticateKerberos(w, cs, scheme, token)
	case "basic":
		return h.authenticateBasic(w, r)
	case "":
		return h.authenticateSession(w, r, cs)
	default:
		h.unauthorized(w)
		return "", false
	}
}

// authenticateNTLM takes one step of the connection's NTLM handshake (Negotiate or NTLM scheme):
// it answers the challenge itself, and returns the user once the handshake completes.
func (h *Host) authenticateNTLM(w http.ResponseWriter, cs *connState, scheme, token string) (string, bool) {
	if !h.offers("ntlm") {
		h.unauthorized(w)
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(raw) == 0 {
		h.resetNTLM(cs)
		h.unauthorized(w)
		return "", false
	}
	logon := isAuthenticateMessage(raw)
	if logon {
		h.logonAttempt()
	}
	cs.mu.Lock()
	if cs.ntlm == nil || isNegotiateMessage(raw) {
		// A NEGOTIATE message starts a new handshake on this connection, replacing any earlier one
		// (masterzen's encryption re-authenticates before every message).
		cs.ntlm = h.ntlm.NewConn()
		cs.user = ""
	}
	nc := cs.ntlm
	out, done, err := nc.Step(raw)
	if err != nil || (done && !nc.Authenticated()) {
		cs.ntlm, cs.user = nil, ""
		cs.mu.Unlock()
		if logon {
			h.mu.Lock()
			h.ntlmLogonsFailed++
			h.mu.Unlock()
		}
		h.unauthorized(w)
		return "", false
	}
	if !done {
		cs.mu.Unlock()
		w.Header().Set("WWW-Authenticate", canonicalScheme(scheme)+" "+base64.StdEncoding.EncodeToString(out))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return "", false
	}
	// The canonical name of the account, whichever way the client wrote it: shells and the
	// administrator check go by it. Step succeeded, so Creds found it.
	acct, _ := h.account(nc.User(), nc.Domain())
	cs.user = acct.Name
	user := cs.user
	cs.mu.Unlock()
	if len(out) > 0 {
		w.Header().Set("WWW-Authenticate", canonicalScheme(scheme)+" "+base64.StdEncoding.EncodeToString(out))
	}
	return user, true
}

// authenticateBasic checks a Basic user name and password against the host's local accounts:
// WinRM takes Basic credentials of local accounts only, domain accounts going through Negotiate
// or Kerberos (Microsoft's WinRM ConnectionOptions.UserName documentation). A controller's
// accounts are all the domain's, which it checks itself [inferred].
func (h *Host) authenticateBasic(w http.ResponseWriter, r *http.Request) (string, bool) {
	// Windows refuses Basic over plain HTTP unless AllowUnencrypted is set: the password
	// would cross the wire in clear.
	if !h.offers("basic") || (r.TLS == nil && !h.opts.AllowUnencrypted) {
		h.unauthorized(w)
		return "", false
	}
	if h.opts.OnLogon != nil {
		h.opts.OnLogon(h)
	}
	name, pass, ok := r.BasicAuth()
	user, domain := name, ""
	if d, u, scoped := strings.Cut(name, `\`); scoped {
		user, domain = u, d
	}
	u, found := h.account(user, domain)
	found = found && (h.isDC() || !strings.Contains(u.Name, `\`))
	if !ok || !found || subtle.ConstantTimeCompare([]byte(u.Password), []byte(pass)) != 1 {
		h.mu.Lock()
		h.basicFailed++
		h.mu.Unlock()
		h.unauthorized(w)
		return "", false
	}
	return u.Name, true
}

// authenticateSession lets a request without an Authorization header through as the user the
// connection authenticated with NTLM, when its body is sealed with that session.
func (h *Host) authenticateSession(w http.ResponseWriter, r *http.Request, cs *connState) (string, bool) {
	// After an NTLM handshake, Windows takes sealed bodies on the same connection without an
	// Authorization header (that is how session encryption runs), but answers 401 to an
	// anonymous plain request: clients that probe anonymously first (go-ntlmssp, the bodgit
	// client in masterzen's encryption) then authenticate again, which they rely on.
	cs.mu.Lock()
	user := cs.user
	cs.mu.Unlock()
	if user == "" || !isEncrypted(r.Header.Get("Content-Type")) {
		h.unauthorized(w)
		return "", false
	}
	return user, true
}

func (h *Host) resetNTLM(cs *connState) {
	cs.mu.Lock()
	cs.ntlm, cs.user = nil, ""
	cs.mu.Unlock()
}

// offers reports whether the host accepts the scheme ("ntlm" or "basic").
func (h *Host) offers(scheme string) bool {
	return h.opts.Auth == "any" || h.opts.Auth == scheme
}

// unauthorized writes Windows' 401: the schemes on offer, no body.
func (h *Host) unauthorized(w http.ResponseWriter) {
	if h.offers("ntlm") {
		w.Header().Add("WWW-Authenticate", "Negotiate")
		if h.krb != nil {
			w.Header().Add("WWW-Authenticate", "Kerberos")
		}
	}
	if h.offers("basic") {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

func canonicalScheme(s string) string {
	if strings.EqualFold(s, "ntlm") {
		return "NTLM"
	}
	return "Negotiate"
}

// logonAttempt counts an NTLM AUTHENTICATE message, after the OnLogon hook.
func (h *Host) logonAttempt() {
	if h.opts.OnLogon != nil {
		h.opts.OnLogon(h)
	}
	h.mu.Lock()
	h.ntlmLogons++
	h.mu.Unlock()
}

// isAuthenticateMessage reports whether tok is a raw NTLMSSP AUTHENTICATE (type 3) message.
func isAuthenticateMessage(tok []byte) bool {
	return len(tok) >= 12 && string(tok[:8]) == "NTLMSSP\x00" && tok[8] == 3 && tok[9] == 0 && tok[10] == 0 && tok[11] == 0
}

// isNegotiateMessage reports whether tok is a raw NTLMSSP NEGOTIATE (type 1) message.
func isNegotiateMessage(tok []byte) bool {
	return len(tok) >= 12 && string(tok[:8]) == "NTLMSSP\x00" && tok[8] == 1 && tok[9] == 0 && tok[10] == 0 && tok[11] == 0
}

func isEncrypted(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	return strings.HasPrefix(ct, "multipart/encrypted") || strings.HasPrefix(ct, "multipart/x-multi-encrypted")
}

// responseLang is the xml:lang of responses: the request's wsman:Locale when it looks like a
// language tag, else en-US.
func responseLang(l string) string {
	if l == "" || len(l) > 35 {
		return "en-US"
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return "en-US"
		}
	}
	return l
}

// write sends a SOAP reply, sealed when the request was.
func (h *Host) write(w http.ResponseWriter, sealer bodySealer, lang string, rep reply) {
	ct, body := contentTypeSOAP, rep.body
	if sealer != nil {
		var err error
		ct, body, err = sealer.EncryptBody(rep.body)
		if err != nil {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

func (h *Host) count(name string) {
	h.mu.Lock()
	h.requests[name]++
	h.mu.Unlock()
}

// sleep waits d, or until the request or the host ends (then false).
func (h *Host) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-h.closing:
		return false
	}
}

func (h *Host) takeDrop(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range []string{name, ""} {
		if h.drops[k] > 0 {
			h.drops[k]--
			return true
		}
	}
	return false
}

// drop closes the TCP connection without answering.
func (h *Host) drop(w http.ResponseWriter, cs *connState) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// injectFault decides whether this SOAP request fails transiently: half of the injected failures
// are HTTP 503 from HTTP.sys (rep.body nil), half a 500 w:InternalError fault.
func (h *Host) injectFault(lang string, req *request) (reply, bool) {
	h.mu.Lock()
	rate := h.faultRate
	hit := rate > 0 && h.rng.Float64() < rate
	unavailable := hit && h.rng.IntN(2) == 0
	h.mu.Unlock()
	if !hit {
		return reply{}, false
	}
	if unavailable {
		return reply{status: http.StatusServiceUnavailable}, true
	}
	return reply{http.StatusInternalServerError, faultBody(faultInternal, lang, req.MessageID, h.ip, "")}, true
}

func (h *Host) fault(kind faultKind, lang string, req *request, arg string) reply {
	return reply{http.StatusInternalServerError, faultBody(kind, lang, req.MessageID, h.ip, arg)}
}

func (h *Host) ok(lang, action string, req *request, body string) reply {
	return reply{http.StatusOK, soapResponse(lang, action, req.MessageID, body)}
}

// create opens a shell.
func (h *Host) create(req *request, lang, user, remote string) reply {
	if req.ResourceURI != resourceCmd {
		return h.fault(faultResourceNotFound, lang, req, req.ResourceURI)
	}
	if !req.HasShell {
		return h.fault(faultSchema, lang, req, "")
	}
	codepage := 0 // the machine's OEM code page (437 on en-US, 932 on ja-JP), as when a client names none
	if v, ok := req.Options["WINRS_CODEPAGE"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 65536 {
			codepage = n
		}
	}
	clientIP, _, err := net.SplitHostPort(remote)
	if err != nil {
		clientIP = remote
	}
	now := time.Now()
	h.mu.Lock()
	h.expireLocked(now)
	open := 0
	for _, sh := range h.shells {
		if strings.EqualFold(sh.owner, user) {
			open++
		}
	}
	if open >= h.opts.MaxShellsPerUser {
		h.mu.Unlock()
		return h.fault(faultQuota, lang, req, strconv.Itoa(h.opts.MaxShellsPerUser))
	}
	// Windows keeps a shell for the IdleTimeOut the client asked for in rsp:Shell, else for its
	// configured IdleTimeout, and echoes the value in the response. [inferred from MS-WSMV 2.2.4.37]
	idle := h.opts.ShellIdleTimeout
	if req.IdleTimeout > 0 {
		idle = req.IdleTimeout
	}
	sh := &shell{id: newID(), owner: user, clientIP: clientIP, codepage: codepage,
		created: now, lastUsed: now, idle: idle, commands: map[string]*command{}}
	h.shells[sh.id] = sh
	h.shellsOpened++
	h.mu.Unlock()
	address := req.To
	if address == "" {
		address = h.URL()
	}
	return h.ok(lang, actionCreateResponse, req, createBody(address, sh, sh.idle))
}

// shellLocked finds the request's shell for user, dropping it first when it has expired, and
// marks it used. The caller holds h.mu.
func (h *Host) shellLocked(req *request, user string) *shell {
	id := req.Selectors["ShellId"]
	sh := h.shells[id]
	if sh == nil {
		return nil
	}
	now := time.Now()
	if now.Sub(sh.lastUsed) > sh.idle {
		h.deleteShellLocked(id, sh)
		return nil
	}
	if !strings.EqualFold(sh.owner, user) {
		return nil // another user's shell does not exist for this one
	}
	sh.lastUsed = now
	return sh
}

// command starts a command line in a shell; the reply comes at once, the output through Receive.
func (h *Host) command(req *request, lang, user string) reply {
	if !req.HasCommandLine {
		h.mu.Lock()
		sh := h.shellLocked(req, user)
		h.mu.Unlock()
		if sh == nil {
			return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
		}
		return h.fault(faultSchema, lang, req, "")
	}
	line := req.commandLine()
	if skip, _ := req.optionBool("WINRS_SKIP_CMD_SHELL"); skip {
		line = skipShellLine(line)
	}
	ctx, cancel := context.WithCancel(h.baseCtx)
	c := &command{id: newID(), line: line, cancel: cancel, done: make(chan struct{})}
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		cancel()
		return h.fault(faultInternal, lang, req, "")
	}
	sh := h.shellLocked(req, user)
	if sh == nil {
		h.mu.Unlock()
		cancel()
		return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
	}
	sh.commands[c.id] = c
	hang := h.hangs > 0
	if hang {
		h.hangs--
	}
	h.ran = append(h.ran, line)
	codepage := sh.codepage
	// Started under h.mu so Close, which takes h.mu before waiting, never misses it.
	h.wg.Add(1)
	h.mu.Unlock()
	if h.opts.OnExec != nil {
		h.opts.OnExec(h, line)
	}
	go h.run(ctx, c, line, codepage, hang)
	return h.ok(lang, actionCommandResponse, req, commandBody(c.id))
}

// run executes one command on the machine and publishes its result.
func (h *Host) run(ctx context.Context, c *command, line string, codepage int, hang bool) {
	defer h.wg.Done()
	defer c.cancel()
	if hang {
		<-ctx.Done()
		c.exitCode = exitTerminated
		close(c.done)
		return
	}
	res := h.machine.Exec(ctx, line, codepage)
	c.stdout, c.stderr, c.exitCode = res.Stdout, res.Stderr, res.ExitCode
	close(c.done)
}

// receive is the long poll: it holds the request until the command is done, the operation
// timeout passes (then the w:TimedOut fault, as Windows; the client asks again) or the client
// goes away. It never answers "Running, no data" at once, which would make clients spin.
func (h *Host) receive(ctx context.Context, req *request, lang, user string) reply {
	h.mu.Lock()
	sh := h.shellLocked(req, user)
	if sh == nil {
		h.mu.Unlock()
		return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
	}
	if !req.HasReceive {
		h.mu.Unlock()
		return h.fault(faultSchema, lang, req, "")
	}
	c := sh.commands[req.CommandID]
	h.mu.Unlock()
	if c == nil {
		return h.fault(faultUnknownCommand, lang, req, "")
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = defaultReceiveWindow
	}
	if h.opts.OperationTimeout > 0 && timeout > h.opts.OperationTimeout {
		timeout = h.opts.OperationTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		return h.fault(faultTimedOut, lang, req, "")
	case <-h.closing:
		return h.fault(faultTimedOut, lang, req, "")
	case <-ctx.Done():
		return reply{}
	}
	maxEnv := req.MaxEnvelope
	if maxEnv <= 0 || maxEnv > h.opts.MaxEnvelopeSize {
		maxEnv = h.opts.MaxEnvelopeSize
	}
	h.mu.Lock()
	body := receiveBody(c, receiveBudget(maxEnv))
	if sh := h.shells[sh.id]; sh != nil {
		sh.lastUsed = time.Now()
	}
	h.mu.Unlock()
	return h.ok(lang, actionReceiveResponse, req, body)
}

// signal delivers terminate, ctrl_c or ctrl_break to a command. terminate also forgets it.
func (h *Host) signal(req *request, lang, user string) reply {
	h.mu.Lock()
	sh := h.shellLocked(req, user)
	if sh == nil {
		h.mu.Unlock()
		return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
	}
	c := sh.commands[req.CommandID]
	if c == nil || !req.HasSignal {
		h.mu.Unlock()
		return h.fault(faultUnknownCommand, lang, req, "")
	}
	switch strings.TrimPrefix(req.SignalCode, signalPrefix) {
	case "terminate":
		c.cancel()
		delete(sh.commands, c.id)
	case "ctrl_c", "ctrl_break":
		c.cancel()
	}
	h.mu.Unlock()
	return h.ok(lang, actionSignalResponse, req, `<s:Body><rsp:SignalResponse/></s:Body>`)
}

// delete closes a shell and cancels what still runs in it.
func (h *Host) delete(req *request, lang, user string) reply {
	h.mu.Lock()
	sh := h.shellLocked(req, user)
	if sh == nil {
		h.mu.Unlock()
		return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
	}
	h.deleteShellLocked(sh.id, sh)
	h.mu.Unlock()
	return h.ok(lang, actionDeleteResponse, req, `<s:Body></s:Body>`)
}

// send accepts stdin for a command. The emulated programs read no input, so it is discarded.
func (h *Host) send(req *request, lang, user string) reply {
	h.mu.Lock()
	sh := h.shellLocked(req, user)
	if sh == nil {
		h.mu.Unlock()
		return h.fault(faultUnknownShell, lang, req, req.Selectors["ShellId"])
	}
	c := sh.commands[req.CommandID]
	h.mu.Unlock()
	if c == nil || !req.HasSend {
		return h.fault(faultUnknownCommand, lang, req, "")
	}
	return h.ok(lang, actionSendResponse, req, `<s:Body><rsp:SendResponse/></s:Body>`)
}
