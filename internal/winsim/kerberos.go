package winsim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/w32time/terraform-provider-windows/internal/gss4121"
)

// kerberosProtocol is the protocol parameter of a Kerberos-sealed WinRM body (MS-WSMV 2.2.9.1.1).
const kerberosProtocol = "application/HTTP-Kerberos-session-encrypted"

// spnegoProtocol is the protocol of bodies sealed after Negotiate: Kerberos ones too when
// Negotiate chose Kerberos (pywinrm seals so).
const spnegoProtocol = "application/HTTP-SPNEGO-session-encrypted"

// krbAcceptor is the host's Kerberos service: its realm, service principal and keytab.
type krbAcceptor struct {
	realm string
	spn   types.PrincipalName
	kt    *keytab.Keytab
}

// krbSession is one connection's Kerberos security context, after a verified AP-REQ.
type krbSession struct {
	gss *gss4121.Context

	mu sync.Mutex
	// protocol is the protocol of the last body opened, which the answer repeats: clients that
	// authenticate with Negotiate (pywinrm) seal as HTTP-SPNEGO-session-encrypted, those that
	// use the Kerberos scheme as HTTP-Kerberos-session-encrypted.
	protocol string
}

// hasKerberos reports whether the connection authenticated with Kerberos: its sealed bodies are
// then Kerberos wrap tokens whatever protocol they name (SPNEGO's, when Negotiate chose Kerberos).
func (cs *connState) hasKerberos() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.krb != nil && cs.ntlm == nil
}

// bodySealer seals a SOAP answer the way its request was sealed: NTLM (*ntlmsrv.Conn) or
// Kerberos (*krbSession).
type bodySealer interface {
	EncryptBody(plain []byte) (contentType string, body []byte, err error)
}

// setupKerberos loads the host's keytab when it serves a realm and checks it holds the service
// principal's key; the SPN defaults to HTTP/<listen address>.
func (h *Host) setupKerberos(listenHost string) error {
	if h.opts.Realm == "" {
		if h.opts.Keytab != "" || len(h.opts.KeytabData) > 0 || h.opts.SPN != "" {
			return errors.New("winsim: a keytab or SPN without a realm: set Realm (--realm) too")
		}
		return nil
	}
	data := h.opts.KeytabData
	if len(data) == 0 {
		if h.opts.Keytab == "" {
			return fmt.Errorf("winsim: realm %s needs the service's keytab (Keytab, --keytab)", h.opts.Realm)
		}
		var err error
		if data, err = os.ReadFile(h.opts.Keytab); err != nil {
			return fmt.Errorf("winsim: reading the keytab: %w", err)
		}
	}
	kt := keytab.New()
	if err := kt.Unmarshal(data); err != nil {
		return fmt.Errorf("winsim: the keytab is not a Kerberos keytab: %w", err)
	}
	spn := h.opts.SPN
	if spn == "" {
		spn = "HTTP/" + listenHost
	}
	name, _ := types.ParseSPNString(spn)
	if !keytabHolds(kt, spn, h.opts.Realm) {
		return fmt.Errorf("winsim: the keytab has no key for %s@%s: export it with kadmin's ktadd, or give the SPN its keys are for", spn, h.opts.Realm)
	}
	h.krb = &krbAcceptor{realm: h.opts.Realm, spn: name, kt: kt}
	return nil
}

// SPN is the service principal whose tickets the host takes (without the realm), or "" when it
// serves no Kerberos realm.
func (h *Host) SPN() string {
	if h.krb == nil {
		return ""
	}
	return h.krb.spn.PrincipalNameString()
}

// keytabHolds reports whether kt has a key for spn@realm (of any encryption type).
func keytabHolds(kt *keytab.Keytab, spn, realm string) bool {
	for _, e := range kt.Entries {
		if e.Principal.Realm == realm && strings.Join(e.Principal.Components, "/") == spn {
			return true
		}
	}
	return false
}

// isKerberosToken reports whether a Negotiate token is a Kerberos one (a GSS-API initial token of
// the Kerberos or SPNEGO mechanism, or a bare AP-REQ), not NTLMSSP.
func isKerberosToken(token string) bool {
	raw, err := base64.StdEncoding.DecodeString(token)
	return err == nil && len(raw) > 0 && (raw[0] == 0x60 || raw[0] == bareAPReq)
}

// bareAPReq is the first byte of a KRB_AP_REQ not wrapped in a GSS-API token ([APPLICATION 14]).
const bareAPReq = 0x6e

// authenticateKerberos verifies an AP-REQ (raw, or in a SPNEGO NegTokenInit) with the service's
// keytab, maps its client to an account, answers with the AP-REP when the client asked for
// mutual authentication, and keeps the session's keys on the connection for sealing.
func (h *Host) authenticateKerberos(w http.ResponseWriter, cs *connState, scheme, token string) (string, bool) {
	if h.krb == nil || !h.offers("ntlm") {
		h.unauthorized(w)
		return "", false
	}
	if h.opts.OnLogon != nil {
		h.opts.OnLogon(h)
	}
	user, sess, reply, err := h.krb.accept(token, h.kerberosAccount)
	h.mu.Lock()
	h.kerberosLogons++
	if err != nil {
		h.kerberosLogonsFailed++
	}
	h.mu.Unlock()
	if err != nil {
		h.unauthorized(w)
		return "", false
	}
	cs.mu.Lock()
	cs.ntlm, cs.krb, cs.user = nil, sess, user
	cs.mu.Unlock()
	if reply != "" {
		w.Header().Set("WWW-Authenticate", canonicalKerberosScheme(scheme)+" "+reply)
	}
	return user, true
}

func canonicalKerberosScheme(s string) string {
	if strings.EqualFold(s, "kerberos") {
		return "Kerberos"
	}
	return "Negotiate"
}

// kerberosAccount returns the account a client principal of the host's realm logs on as: the
// domain's account of that name on a member or controller (the realm is the domain), else,
// on a host that serves a realm without belonging to a domain, its local account.
func (h *Host) kerberosAccount(name string) (string, bool) {
	if u, ok := h.domainAccount(name); ok {
		return u.Name, true
	}
	u, ok := h.localAccount(name)
	return u.Name, ok
}

// accept verifies a Negotiate or Kerberos token and returns the account, the connection's new
// session and the base64 token to answer with ("" when none is due).
func (a *krbAcceptor) accept(token string, account func(string) (string, bool)) (user string, sess *krbSession, reply string, err error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", nil, "", err
	}
	apReq, wrap, err := parseInitialToken(raw)
	if err != nil {
		return "", nil, "", err
	}
	if !strings.EqualFold(apReq.Ticket.Realm, a.realm) || !principalEqualFold(apReq.Ticket.SName, a.spn) {
		return "", nil, "", fmt.Errorf("ticket for %s@%s, not %s@%s",
			apReq.Ticket.SName.PrincipalNameString(), apReq.Ticket.Realm, a.spn.PrincipalNameString(), a.realm)
	}
	// MIT KDCs put a PAC in tickets too; the simulator does not need it.
	settings := service.NewSettings(a.kt, service.DecodePAC(false),
		service.KeytabPrincipal(a.spn.PrincipalNameString()))
	ok, creds, err := service.VerifyAPREQ(&apReq, settings)
	if err != nil || !ok {
		return "", nil, "", fmt.Errorf("AP-REQ refused: %w", err)
	}
	if !strings.EqualFold(creds.Domain(), a.realm) {
		return "", nil, "", fmt.Errorf("client of realm %s, not %s", creds.Domain(), a.realm)
	}
	user, found := account(creds.UserName())
	if !found {
		return "", nil, "", fmt.Errorf("no account %s", creds.UserName())
	}
	sess, rep, err := a.newSession(&apReq)
	if err != nil {
		return "", nil, "", err
	}
	out, err := wrap.answer(rep)
	if err != nil || out == nil {
		return user, sess, "", err
	}
	return user, sess, base64.StdEncoding.EncodeToString(out), nil
}

// tokenWrapping is how the client wrapped its AP-REQ, so the AP-REP is wrapped the same way.
type tokenWrapping struct {
	spnegoMech asn1.ObjectIdentifier // the SPNEGO mechanism chosen, nil when not SPNEGO
	bare       bool                  // a KRB_AP_REQ with no GSS-API token around it
}

// answer wraps the AP-REP (DER, nil when none is due) as the client's token was wrapped. A SPNEGO
// client always gets a NegTokenResp saying accept-completed, with the AP-REP when there is one.
func (tw tokenWrapping) answer(rep []byte) ([]byte, error) {
	var tok []byte
	if rep != nil {
		tok = rep
		if !tw.bare {
			var err error
			if tok, err = gssKerberosToken(rep); err != nil {
				return nil, err
			}
		}
	}
	if tw.spnegoMech == nil {
		return tok, nil
	}
	resp := spnego.NegTokenResp{NegState: asn1.Enumerated(spnego.NegStateAcceptCompleted), SupportedMech: tw.spnegoMech, ResponseToken: tok}
	return resp.Marshal()
}

func principalEqualFold(a, b types.PrincipalName) bool {
	return strings.EqualFold(a.PrincipalNameString(), b.PrincipalNameString())
}

// parseInitialToken returns the AP-REQ of a client's first token: a GSS-API Kerberos token, a
// SPNEGO NegTokenInit whose optimistic token is Kerberos, or a bare AP-REQ.
func parseInitialToken(raw []byte) (apReq messages.APReq, tw tokenWrapping, err error) {
	if len(raw) > 0 && raw[0] == bareAPReq {
		tw.bare = true
		return apReq, tw, apReq.Unmarshal(raw)
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.UnmarshalWithParams(raw, &oid, "application,explicit,tag:0"); err != nil {
		return apReq, tw, fmt.Errorf("not a GSS-API token: %w", err)
	}
	krbToken := raw
	if oid.Equal(gssapi.OIDSPNEGO.OID()) {
		var st spnego.SPNEGOToken
		if err := st.Unmarshal(raw); err != nil || !st.Init {
			return apReq, tw, fmt.Errorf("not a SPNEGO NegTokenInit: %w", err)
		}
		init := st.NegTokenInit
		if len(init.MechTypes) == 0 || !isKerberosMech(init.MechTypes[0]) || len(init.MechTokenBytes) == 0 {
			return apReq, tw, errors.New("SPNEGO offers no Kerberos token first")
		}
		krbToken, tw.spnegoMech = init.MechTokenBytes, init.MechTypes[0]
	}
	var kt spnego.KRB5Token
	if err := kt.Unmarshal(krbToken); err != nil {
		return apReq, tw, err
	}
	if !kt.IsAPReq() {
		return apReq, tw, errors.New("the Kerberos token is not an AP-REQ")
	}
	return kt.APReq, tw, nil
}

func isKerberosMech(oid asn1.ObjectIdentifier) bool {
	return oid.Equal(gssapi.OIDKRB5.OID()) || oid.Equal(gssapi.OIDMSLegacyKRB5.OID())
}

// newSession sets up the connection's sealing after a verified AP-REQ. When the client asked for
// mutual authentication the host answers, as Windows, with an AP-REP asserting a subkey of its
// own and its first sequence number, and seals with that subkey (RFC 4121 section 2); otherwise
// with the client's subkey or the ticket's session key, both sides starting at the client's
// sequence number. rep is the AP-REP (DER), or nil.
func (a *krbAcceptor) newSession(apReq *messages.APReq) (sess *krbSession, rep []byte, err error) {
	auth := apReq.Authenticator
	sessionKey := apReq.Ticket.DecryptedEncPart.Key
	clientSeq := uint64(uint32(auth.SeqNumber))
	if !types.IsFlagSet(&apReq.APOptions, flags.APOptionMutualRequired) {
		key := sessionKey
		if auth.SubKey.KeyType != 0 {
			key = auth.SubKey
		}
		gss, err := gss4121.New(gss4121.Config{Key: key, Acceptor: true, SendSeq: clientSeq, RecvSeq: clientSeq})
		if err != nil {
			return nil, nil, err
		}
		return &krbSession{gss: gss}, nil, nil
	}
	et, err := crypto.GetEtype(sessionKey.KeyType)
	if err != nil {
		return nil, nil, err
	}
	subkey, err := types.GenerateEncryptionKey(et)
	if err != nil {
		return nil, nil, err
	}
	var seqBytes [4]byte
	if _, err := rand.Read(seqBytes[:]); err != nil {
		return nil, nil, err
	}
	// A positive 31-bit number: some implementations read the ASN.1 INTEGER as signed 32 bits.
	ownSeq := uint64(binary.BigEndian.Uint32(seqBytes[:]) & 0x7fffffff)
	rep, err = marshalAPRep(sessionKey, messages.EncAPRepPart{CTime: auth.CTime, Cusec: auth.Cusec,
		Subkey: subkey, SequenceNumber: int64(ownSeq)})
	if err != nil {
		return nil, nil, err
	}
	gss, err := gss4121.New(gss4121.Config{Key: subkey, Acceptor: true, AcceptorSubkey: true, SendSeq: ownSeq, RecvSeq: clientSeq})
	if err != nil {
		return nil, nil, err
	}
	return &krbSession{gss: gss}, rep, nil
}

// encAPRepPart is EncAPRepPart (RFC 4120 section 5.5.2) as it is marshalled: gokrb5 only
// unmarshals it.
type encAPRepPart struct {
	CTime          time.Time           `asn1:"generalized,explicit,tag:0"`
	Cusec          int                 `asn1:"explicit,tag:1"`
	Subkey         types.EncryptionKey `asn1:"explicit,tag:2"`
	SequenceNumber int64               `asn1:"explicit,tag:3"`
}

type apRep struct {
	PVNO    int                 `asn1:"explicit,tag:0"`
	MsgType int                 `asn1:"explicit,tag:1"`
	EncPart types.EncryptedData `asn1:"explicit,tag:2"`
}

// marshalAPRep returns the KRB_AP_REP (RFC 4120 section 5.5.2) whose EncAPRepPart is part,
// encrypted with the ticket's session key (key usage 12).
func marshalAPRep(sessionKey types.EncryptionKey, part messages.EncAPRepPart) ([]byte, error) {
	// KerberosTime is a GeneralizedTime in UTC with no fraction ("YYYYMMDDHHMMSSZ"): the
	// microseconds are in cusec.
	inner, err := asn1.Marshal(encAPRepPart{CTime: part.CTime.UTC().Truncate(time.Second), Cusec: part.Cusec, Subkey: part.Subkey, SequenceNumber: part.SequenceNumber})
	if err != nil {
		return nil, fmt.Errorf("marshalling EncAPRepPart: %w", err)
	}
	enc, err := crypto.GetEncryptedData(asn1tools.AddASNAppTag(inner, asnAppTag.EncAPRepPart), sessionKey, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		return nil, fmt.Errorf("encrypting EncAPRepPart: %w", err)
	}
	rep, err := asn1.Marshal(apRep{PVNO: 5, MsgType: msgtype.KRB_AP_REP, EncPart: enc})
	if err != nil {
		return nil, fmt.Errorf("marshalling AP-REP: %w", err)
	}
	return asn1tools.AddASNAppTag(rep, asnAppTag.APREP), nil
}

// gssKerberosToken wraps an AP-REP in the Kerberos mechanism's GSS-API token (RFC 1964 section
// 1.1: the mechanism's OID, TOK_ID 02 00, the AP-REP).
func gssKerberosToken(rep []byte) ([]byte, error) {
	oid, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, err
	}
	tok := append(append(oid, 0x02, 0x00), rep...)
	return asn1tools.AddASNAppTag(tok, 0), nil
}

// isKerberosSealed reports whether a sealed body's Content-Type names the Kerberos scheme's
// encryption.
func isKerberosSealed(contentType string) bool {
	_, params, err := mime.ParseMediaType(contentType)
	return err == nil && strings.EqualFold(params["protocol"], kerberosProtocol)
}

// unsealKerberos opens a Kerberos-sealed request body with the connection's session. It answers
// a refused body itself (401 when the connection has no Kerberos session, 400 when the body fails
// its checks, as for NTLM) and then reports false.
func (h *Host) unsealKerberos(w http.ResponseWriter, cs *connState, ct string, raw []byte) ([]byte, bodySealer, bool) {
	cs.mu.Lock()
	sess, authed := cs.krb, cs.user != "" && cs.ntlm == nil
	cs.mu.Unlock()
	if sess == nil || !authed {
		h.count("Auth")
		h.unauthorized(w)
		return nil, nil, false
	}
	plain, err := sess.DecryptBody(ct, raw)
	if err != nil {
		h.count("Other")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusBadRequest)
		return nil, nil, false
	}
	return plain, sess, true
}

// DecryptBody opens a Kerberos-sealed WinRM body: every part's wrap token is checked and opened,
// in sequence.
func (s *krbSession) DecryptBody(contentType string, body []byte) ([]byte, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	protocol := params["protocol"]
	if !strings.EqualFold(protocol, kerberosProtocol) && !strings.EqualFold(protocol, spnegoProtocol) {
		return nil, fmt.Errorf("winsim: sealed with protocol %q, not Kerberos or SPNEGO", protocol)
	}
	boundary := params["boundary"]
	if boundary == "" {
		boundary = "Encrypted Boundary"
	}
	parts, err := splitKerberosBody(body, boundary, protocol)
	if err != nil {
		return nil, err
	}
	var plain []byte
	for _, p := range parts {
		pt, err := s.gss.UnwrapWinRM(p.header, p.data)
		if err != nil {
			return nil, err
		}
		if len(pt) != p.length {
			return nil, fmt.Errorf("winsim: sealed part of %d bytes, OriginalContent says %d", len(pt), p.length)
		}
		plain = append(plain, pt...)
	}
	s.mu.Lock()
	s.protocol = protocol
	s.mu.Unlock()
	return plain, nil
}

// EncryptBody seals a SOAP answer in the framing Windows uses (MS-WSMV 2.2.9.1.1).
func (s *krbSession) EncryptBody(plain []byte) (string, []byte, error) {
	hdr, data, err := s.gss.WrapWinRM(plain)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	protocol := s.protocol
	s.mu.Unlock()
	if protocol == "" {
		protocol = kerberosProtocol
	}
	var b bytes.Buffer
	b.WriteString("--Encrypted Boundary\r\n")
	b.WriteString("\tContent-Type: " + protocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=%s;Length=%d\r\n", contentTypeSOAP, len(plain))
	b.WriteString("--Encrypted Boundary\r\n")
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(hdr))))
	b.Write(hdr)
	b.Write(data)
	b.WriteString("--Encrypted Boundary--\r\n")
	return `multipart/encrypted;protocol="` + protocol + `";boundary="Encrypted Boundary"`, b.Bytes(), nil
}

// sealedPart is one sealed message of a body: the wrap token's header part, its data and the
// length OriginalContent declares.
type sealedPart struct {
	header, data []byte
	length       int
}

// splitKerberosBody parses the MS-WSMV framing of a Kerberos-sealed body:
//
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/HTTP-Kerberos-session-encrypted\r\n
//	\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\r\n
//	--Encrypted Boundary\r\n
//	\tContent-Type: application/octet-stream\r\n
//	<uint32 LE header length><header><N encrypted bytes>--Encrypted Boundary--\r\n
//
// The encrypted data is exactly as long as the message with AES (RFC 4121 sealing keeps lengths),
// so it is cut at the declared length, never searched for the boundary. The pair may repeat
// (multipart/x-multi-encrypted).
func splitKerberosBody(body []byte, boundary, protocol string) ([]sealedPart, error) {
	delim := []byte("--" + boundary)
	rest := body
	var parts []sealedPart
	for {
		var ok bool
		if rest, ok = bytes.CutPrefix(rest, delim); !ok {
			return nil, fmt.Errorf("winsim: sealed body: expected %q", delim)
		}
		if bytes.HasPrefix(rest, []byte("--")) {
			break
		}
		p, after, err := readKerberosPart(rest, delim, protocol)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
		rest = after
	}
	if len(parts) == 0 {
		return nil, errors.New("winsim: sealed body has no part")
	}
	return parts, nil
}

// readKerberosPart reads one pair of parts after its first boundary.
func readKerberosPart(rest, delim []byte, protocol string) (sealedPart, []byte, error) {
	var p sealedPart
	headers, rest, ok := bytes.Cut(rest, delim)
	if !ok {
		return p, nil, errors.New("winsim: sealed body: no second part")
	}
	p.length = -1
	sawProtocol := false
	for line := range strings.SplitSeq(string(headers), "\n") {
		name, value, found := strings.Cut(strings.TrimSpace(line), ":")
		if !found {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-type":
			sawProtocol = strings.EqualFold(value, protocol)
		case "originalcontent":
			for f := range strings.SplitSeq(value, ";") {
				if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok && strings.EqualFold(k, "Length") {
					if _, err := fmt.Sscan(v, &p.length); err != nil || p.length < 0 {
						return p, nil, fmt.Errorf("winsim: sealed body: bad Length %q", v)
					}
				}
			}
		}
	}
	if !sawProtocol || p.length < 0 {
		return p, nil, fmt.Errorf("winsim: sealed body: the first part lacks Content-Type %s or OriginalContent's Length", protocol)
	}
	// "\r\n\tContent-Type: application/octet-stream\r\n", then the payload.
	_, payload, ok := bytes.Cut(rest, []byte("application/octet-stream"))
	if !ok {
		return p, nil, errors.New("winsim: sealed body: no octet-stream part")
	}
	payload, ok = bytes.CutPrefix(payload, []byte("\r\n"))
	if !ok || len(payload) < 4 {
		return p, nil, errors.New("winsim: sealed body: truncated octet-stream part")
	}
	n := int(binary.LittleEndian.Uint32(payload))
	payload = payload[4:]
	if n > len(payload) || len(payload)-n < p.length {
		return p, nil, fmt.Errorf("winsim: sealed body: %d bytes for a header of %d and data of %d", len(payload), n, p.length)
	}
	p.header, p.data = payload[:n], payload[n:n+p.length]
	after, _ := bytes.CutPrefix(payload[n+p.length:], []byte("\r\n"))
	if !bytes.HasPrefix(after, delim) {
		return p, nil, errors.New("winsim: sealed body: no boundary after the sealed data")
	}
	return p, after, nil
}
