package winsim

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/gss4121"
	"github.com/w32time/terraform-provider-windows/internal/testkdc"
)

// krbHost starts a host of the KDC's realm whose service principal is HTTP/127.0.0.1, with the
// built-in administrator known to the KDC under the same password.
func krbHost(t *testing.T, kdc *testkdc.KDC, tweak func(*Options)) *Host {
	t.Helper()
	kdc.AddUser(t, defaultUsername, defaultPassword)
	opts := Options{Realm: kdc.Realm, Keytab: kdc.AddService(t, "HTTP/127.0.0.1")}
	if tweak != nil {
		tweak(&opts)
	}
	return startHost(t, opts)
}

func gokrb5Client(t *testing.T, kdc *testkdc.KDC, user, password string) *client.Client {
	t.Helper()
	cfg, err := config.NewFromString(kdc.Krb5Conf())
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword(user, kdc.Realm, password, cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatalf("login of %s: %v", user, err)
	}
	return cl
}

// krbConn is a test client speaking Kerberos to a host on one TCP connection, the way Windows
// clients do: the AP-REQ on the first request, then sealed bodies.
type krbConn struct {
	t      *testing.T
	h      *Host
	http   *http.Client
	gss    *gss4121.Context
	apReq  []byte // the Authorization header's token, to replay
	scheme string
	// protocol is the protocol the bodies are sealed as: the Kerberos scheme's, or SPNEGO's
	// (pywinrm's, after Negotiate).
	protocol string
}

const (
	kerberosSealed = "application/HTTP-Kerberos-session-encrypted"
	spnegoSealed   = "application/HTTP-SPNEGO-session-encrypted"
)

func sealedContentType(protocol string) string {
	return `multipart/encrypted;protocol="` + protocol + `";boundary="Encrypted Boundary"`
}

// tokenForm is how the test client wraps its AP-REQ.
type tokenForm int

const (
	formSPNEGO tokenForm = iota
	formKerberos
	formBare
)

// apReqToken builds an AP-REQ for spn from cl and wraps it in form; it returns the authenticator
// (for its subkey and sequence number) and the ticket's session key.
func apReqToken(t *testing.T, cl *client.Client, spn string, mutual bool, form tokenForm) (tok []byte, auth types.Authenticator, sessionKey types.EncryptionKey) {
	t.Helper()
	tkt, key, err := cl.GetServiceTicket(spn)
	if err != nil {
		t.Fatalf("ticket for %s: %v", spn, err)
	}
	gssFlags := []int{gssapi.ContextFlagInteg, gssapi.ContextFlagConf}
	var apOpts []int
	if mutual {
		gssFlags = append(gssFlags, gssapi.ContextFlagMutual)
		apOpts = []int{flags.APOptionMutualRequired}
	}
	kt, err := spnego.NewKRB5TokenAPREQ(cl, tkt, key, gssFlags, apOpts)
	if err != nil {
		t.Fatal(err)
	}
	plainAuth := kt.APReq // DecryptAuthenticator fills in the authenticator the token carries
	if err := plainAuth.DecryptAuthenticator(key); err != nil {
		t.Fatal(err)
	}
	switch form {
	case formBare:
		tok, err = kt.APReq.Marshal()
	case formKerberos:
		tok, err = kt.Marshal()
	default:
		var inner []byte
		if inner, err = kt.Marshal(); err == nil {
			st := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
				MechTypes: []asn1.ObjectIdentifier{gssapi.OIDKRB5.OID()}, MechTokenBytes: inner}}
			tok, err = st.Marshal()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok, plainAuth.Authenticator, key
}

// dialKerberos authenticates to h with an empty-body POST carrying tok, and returns the
// connection's client after checking the host's answer: the AP-REP when mutual, with the
// authenticator's time and a subkey, and sealing contexts that match the host's.
func dialKerberos(t *testing.T, h *Host, cl *client.Client, mutual bool, form tokenForm) *krbConn {
	t.Helper()
	tok, auth, key := apReqToken(t, cl, "HTTP/127.0.0.1", mutual, form)
	c := &krbConn{t: t, h: h, scheme: "Negotiate", protocol: kerberosSealed,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1}}}
	t.Cleanup(c.http.CloseIdleConnections)
	if form == formBare {
		c.scheme = "Kerberos"
	}
	c.apReq = tok
	resp := c.send(map[string]string{"Authorization": c.scheme + " " + base64.StdEncoding.EncodeToString(tok)}, nil)
	if resp.status != http.StatusOK {
		t.Fatalf("authentication: HTTP %d, want 200", resp.status)
	}
	reply := resp.header.Get("WWW-Authenticate")
	var repTok []byte
	if reply != "" {
		scheme, b64, _ := strings.Cut(reply, " ")
		if scheme != c.scheme {
			t.Fatalf("WWW-Authenticate scheme %q, want %q", scheme, c.scheme)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		repTok = unwrapAnswer(t, raw, form)
	}
	cfg := gss4121.Config{SendSeq: uint64(auth.SeqNumber), RecvSeq: uint64(auth.SeqNumber), Key: key}
	if auth.SubKey.KeyType != 0 {
		cfg.Key = auth.SubKey
	}
	if mutual {
		if repTok == nil {
			t.Fatal("no AP-REP for a mutual authentication")
		}
		part := openAPRep(t, repTok, key)
		if !part.CTime.Equal(auth.CTime) || part.Cusec != auth.Cusec {
			t.Fatalf("AP-REP time %v.%06d, authenticator's %v.%06d", part.CTime, part.Cusec, auth.CTime, auth.Cusec)
		}
		if part.Subkey.KeyType != key.KeyType || len(part.Subkey.KeyValue) != len(key.KeyValue) || bytes.Equal(part.Subkey.KeyValue, key.KeyValue) {
			t.Fatalf("AP-REP subkey %+v is not a fresh key of the session key's type %d", part.Subkey.KeyType, key.KeyType)
		}
		cfg.Key, cfg.AcceptorSubkey, cfg.RecvSeq = part.Subkey, true, uint64(part.SequenceNumber)
	} else if repTok != nil {
		t.Fatalf("an AP-REP although mutual authentication was not asked for")
	}
	gss, err := gss4121.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.gss = gss
	return c
}

// unwrapAnswer returns the AP-REP in the host's answer, as the client wrapped its AP-REQ.
func unwrapAnswer(t *testing.T, raw []byte, form tokenForm) []byte {
	t.Helper()
	if form == formSPNEGO {
		var resp spnego.NegTokenResp
		if err := resp.Unmarshal(raw); err != nil {
			t.Fatalf("not a NegTokenResp: %v", err)
		}
		if resp.NegState != asn1.Enumerated(spnego.NegStateAcceptCompleted) || !resp.SupportedMech.Equal(gssapi.OIDKRB5.OID()) {
			t.Fatalf("NegTokenResp state %d, mech %v", resp.NegState, resp.SupportedMech)
		}
		if len(resp.ResponseToken) == 0 {
			return nil
		}
		raw = resp.ResponseToken
	}
	if form == formBare {
		return raw
	}
	var kt spnego.KRB5Token
	if err := kt.Unmarshal(raw); err != nil || !kt.IsAPRep() {
		t.Fatalf("not a Kerberos AP-REP token: %v", err)
	}
	return apRepBytes(t, raw)
}

// apRepBytes returns the AP-REP inside a Kerberos GSS-API token (after the OID and TOK_ID).
func apRepBytes(t *testing.T, tok []byte) []byte {
	t.Helper()
	i := bytes.Index(tok, []byte{0x02, 0x00, 0x6f})
	if i < 0 {
		t.Fatalf("no AP-REP after TOK_ID 02 00 in %x", tok)
	}
	return tok[i+2:]
}

// openAPRep decrypts an AP-REP with the session key (key usage 12), as a client does.
func openAPRep(t *testing.T, rep []byte, key types.EncryptionKey) messages.EncAPRepPart {
	t.Helper()
	var ap messages.APRep
	if err := ap.Unmarshal(rep); err != nil {
		t.Fatalf("AP-REP: %v", err)
	}
	plain, err := crypto.DecryptEncPart(ap.EncPart, key, keyusage.AP_REP_ENCPART)
	if err != nil {
		t.Fatalf("AP-REP does not open with the session key: %v", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		t.Fatalf("EncAPRepPart: %v", err)
	}
	return part
}

type krbResponse struct {
	status int
	header http.Header
	body   []byte
}

func (c *krbConn) send(header map[string]string, body []byte) krbResponse {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.h.URL(), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentTypeSOAP)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return krbResponse{resp.StatusCode, resp.Header, b}
}

// seal frames a message the way pywinrm and Windows do.
func (c *krbConn) seal(plain []byte) []byte {
	c.t.Helper()
	hdr, data, err := c.gss.WrapWinRM(plain)
	if err != nil {
		c.t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("--Encrypted Boundary\r\n\tContent-Type: " + c.protocol + "\r\n")
	b.WriteString("\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + strconv.Itoa(len(plain)) + "\r\n")
	b.WriteString("--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n")
	b.Write([]byte{byte(len(hdr)), 0, 0, 0})
	b.Write(hdr)
	b.Write(data)
	b.WriteString("--Encrypted Boundary--\r\n")
	return b.Bytes()
}

// postSealed sends a sealed SOAP message and returns the status and the opened answer.
func (c *krbConn) postSealed(sealed []byte) (int, string) {
	c.t.Helper()
	resp := c.send(map[string]string{"Content-Type": sealedContentType(c.protocol)}, sealed)
	if resp.status != http.StatusOK && resp.status != http.StatusInternalServerError {
		return resp.status, ""
	}
	if ct := resp.header.Get("Content-Type"); ct != sealedContentType(c.protocol) {
		c.t.Fatalf("answer Content-Type %q, want %q", ct, sealedContentType(c.protocol))
	}
	s := &krbSession{gss: c.gss}
	plain, err := s.DecryptBody(sealedContentType(c.protocol), resp.body)
	if err != nil {
		c.t.Fatalf("the host's sealed answer does not open: %v", err)
	}
	return resp.status, string(plain)
}

// run runs a command line on a new shell over sealed messages and returns its stdout.
func (c *krbConn) run(line string) string {
	c.t.Helper()
	uri := c.h.URL()
	status, body := c.postSealed(c.seal([]byte(winrm.NewOpenShellRequest(uri, params()).String())))
	shell, err := winrm.ParseOpenShellResponse(body)
	if status != http.StatusOK || err != nil {
		c.t.Fatalf("create: HTTP %d %v %s", status, err, body)
	}
	status, body = c.postSealed(c.seal([]byte(winrm.NewExecuteCommandRequest(uri, shell, line, nil, params()).String())))
	cmd, err := winrm.ParseExecuteCommandResponse(body)
	if status != http.StatusOK || err != nil {
		c.t.Fatalf("command: HTTP %d %v %s", status, err, body)
	}
	var out bytes.Buffer
	for range 20 {
		status, body = c.postSealed(c.seal([]byte(winrm.NewGetOutputRequest(uri, shell, cmd, "stdout stderr", params()).String())))
		if status != http.StatusOK {
			c.t.Fatalf("receive: HTTP %d %s", status, body)
		}
		done, _, err := winrm.ParseSlurpOutputErrResponse(body, &out, io.Discard)
		if err != nil {
			c.t.Fatal(err)
		}
		if done {
			return out.String()
		}
	}
	c.t.Fatal("the command did not finish in 20 receives")
	return ""
}

// TestKerberosSealedCommands: a client with a ticket for the host's SPN authenticates in every
// token form, with and without mutual authentication, and runs commands over sealed bodies; the
// host's AP-REP opens with the session key and carries the authenticator's time.
func TestKerberosSealedCommands(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	h := krbHost(t, kdc, nil)
	cl := gokrb5Client(t, kdc, defaultUsername, defaultPassword)
	tests := []struct {
		name     string
		form     tokenForm
		mutual   bool
		protocol string
	}{
		{"SPNEGO, mutual", formSPNEGO, true, kerberosSealed},
		{"SPNEGO, no mutual", formSPNEGO, false, kerberosSealed},
		{"Kerberos GSS token, mutual", formKerberos, true, kerberosSealed},
		{"Kerberos GSS token, no mutual", formKerberos, false, kerberosSealed},
		{"Kerberos GSS token, sealed as SPNEGO like pywinrm", formKerberos, true, spnegoSealed},
		{"bare AP-REQ with the Kerberos scheme, mutual", formBare, true, kerberosSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.ResetStats()
			c := dialKerberos(t, h, cl, tt.mutual, tt.form)
			c.protocol = tt.protocol
			if out := c.run("ver"); !strings.Contains(out, "[Version ") {
				t.Fatalf("ver printed %q", out)
			}
			// A second command on the same connection, its sequence numbers going on.
			if out := c.run(`reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v ProductName`); !strings.Contains(out, "ProductName") {
				t.Fatalf("reg query printed %q", out)
			}
			st := h.Stats()
			if st.KerberosLogons != 1 || st.KerberosLogonsFailed != 0 || st.NTLMLogons != 0 {
				t.Fatalf("stats %+v, want one Kerberos logon and no NTLM", st)
			}
		})
	}
}

// TestKerberosRefusals: the host answers 401 to tickets it must not take, to a replayed AP-REQ
// and to plain bodies after a Kerberos logon, and 400 to a replayed or altered sealed body; the
// connection goes on working after a refused body.
func TestKerberosRefusals(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	other := testkdc.Start(t, testkdc.Options{Realm: "OTHER.TEST"})
	kdc.AddUser(t, "nobody", "Nobody-1") // a principal with no account on the host
	other.AddUser(t, defaultUsername, defaultPassword)
	// The host's keytab also holds OTHER.TEST's key for the same SPN: only the realm check can
	// refuse a ticket of that realm.
	keytabPath := kdc.AddService(t, "HTTP/127.0.0.1")
	other.ExportService(t, "HTTP/127.0.0.1", keytabPath)
	h := krbHost(t, kdc, func(o *Options) { o.Keytab = keytabPath })
	cl := gokrb5Client(t, kdc, defaultUsername, defaultPassword)
	kdc.AddService(t, "HTTP/elsewhere.example.com")

	unauthorizedWith := func(t *testing.T, tok []byte) {
		t.Helper()
		h.ResetStats()
		c := &krbConn{t: t, h: h, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}}
		resp := c.send(map[string]string{"Authorization": "Negotiate " + base64.StdEncoding.EncodeToString(tok)}, nil)
		if resp.status != http.StatusUnauthorized || len(resp.body) != 0 {
			t.Fatalf("HTTP %d with %d bytes, want 401 and no body", resp.status, len(resp.body))
		}
		if got := resp.header.Values("WWW-Authenticate"); strings.Join(got, ",") != "Negotiate,Kerberos" {
			t.Fatalf("WWW-Authenticate %q, want Negotiate and Kerberos", got)
		}
		if st := h.Stats(); st.KerberosLogonsFailed != 1 {
			t.Fatalf("KerberosLogonsFailed = %d, want 1", st.KerberosLogonsFailed)
		}
	}

	t.Run("ticket for another SPN", func(t *testing.T) {
		tok, _, _ := apReqToken(t, cl, "HTTP/elsewhere.example.com", true, formSPNEGO)
		unauthorizedWith(t, tok)
	})
	t.Run("ticket of another realm", func(t *testing.T) {
		tok, _, _ := apReqToken(t, gokrb5Client(t, other, defaultUsername, defaultPassword), "HTTP/127.0.0.1", true, formSPNEGO)
		unauthorizedWith(t, tok)
	})
	t.Run("principal with no account", func(t *testing.T) {
		tok, _, _ := apReqToken(t, gokrb5Client(t, kdc, "nobody", "Nobody-1"), "HTTP/127.0.0.1", true, formSPNEGO)
		unauthorizedWith(t, tok)
	})
	t.Run("replayed AP-REQ", func(t *testing.T) {
		c := dialKerberos(t, h, cl, true, formSPNEGO)
		unauthorizedWith(t, c.apReq)
	})
	t.Run("garbage token", func(t *testing.T) {
		unauthorizedWith(t, []byte{0x60, 0x03, 0x06, 0x01, 0x00})
	})

	t.Run("sealed bodies", func(t *testing.T) {
		c := dialKerberos(t, h, cl, true, formSPNEGO)
		create := []byte(winrm.NewOpenShellRequest(h.URL(), params()).String())
		first := c.seal(create)
		if status, _ := c.postSealed(first); status != http.StatusOK {
			t.Fatalf("first body: HTTP %d", status)
		}
		if status, _ := c.postSealed(first); status != http.StatusBadRequest {
			t.Fatalf("replayed body: HTTP %d, want 400", status)
		}
		second := c.seal(create)
		altered := bytes.Clone(second)
		altered[len(altered)-len("--Encrypted Boundary--\r\n")-1] ^= 0x01
		if status, _ := c.postSealed(altered); status != http.StatusBadRequest {
			t.Fatalf("altered body: HTTP %d, want 400", status)
		}
		// The refused bodies consumed no sequence number: the genuine second body is taken.
		if status, _ := c.postSealed(second); status != http.StatusOK {
			t.Fatalf("the second body after refused ones: HTTP %d", status)
		}
		if resp := c.send(nil, create); resp.status != http.StatusUnauthorized {
			t.Fatalf("plain body after a Kerberos logon: HTTP %d, want 401", resp.status)
		}
	})
}

// TestKerberosSetupRefused: a realm without a usable keytab, or a keytab without a realm, does
// not start.
func TestKerberosSetupRefused(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	elsewhere := kdc.AddService(t, "HTTP/elsewhere.example.com")
	tests := []struct {
		name string
		opts Options
	}{
		{"realm without keytab", Options{Realm: kdc.Realm}},
		{"keytab without realm", Options{Keytab: elsewhere}},
		{"keytab without the SPN's key", Options{Realm: kdc.Realm, Keytab: elsewhere}},
		{"keytab without the realm's key", Options{Realm: "OTHER.TEST", Keytab: elsewhere, SPN: "HTTP/elsewhere.example.com"}},
		{"not a keytab", Options{Realm: kdc.Realm, KeytabData: []byte("not a keytab")}},
		{"missing file", Options{Realm: kdc.Realm, Keytab: elsewhere + ".missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Start("127.0.0.1:0", tt.opts)
			if err == nil {
				h.Close()
				t.Fatal("Start accepted it")
			}
		})
	}
	t.Run("SPN given", func(t *testing.T) {
		h, err := Start("127.0.0.1:0", Options{Realm: kdc.Realm, Keytab: elsewhere, SPN: "HTTP/elsewhere.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		h.Close()
	})
}
