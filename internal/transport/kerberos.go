package transport

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"time"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	krbclient "github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/chksumtype"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/w32time/terraform-provider-windows/internal/gss4121"
)

// krbNow is the clock of the authenticators sent to hosts; tests shift it
// to show a host's clock-skew refusal.
var krbNow = time.Now

// krbAuth runs the Kerberos exchange of HTTP Negotiate (RFC 4559) with
// mutual authentication: one AP-REQ, in a SPNEGO token, on an empty-body
// POST; the host's answer must carry its AP-REP, which proves the host
// holds the service key and gives the keys and sequence numbers of the
// sealing (RFC 4121).
type krbAuth struct {
	n    *normalized
	gate *credGate
}

func (krbAuth) scheme() string { return "Kerberos" }

// Token identifiers of the Kerberos mechanism's context tokens (RFC 4121
// section 4.1).
var (
	tokAPReq   = []byte{0x01, 0x00}
	tokAPRep   = []byte{0x02, 0x00}
	tokKRBErr  = []byte{0x03, 0x00}
	gssFlagSet = gssapi.ContextFlagMutual | gssapi.ContextFlagReplay | gssapi.ContextFlagSequence |
		gssapi.ContextFlagConf | gssapi.ContextFlagInteg
)

// authenticate gets a service ticket for the host's SPN (the process's TGT
// for the principal, obtained once, see credGate.kerberos) and presents it.
func (a krbAuth) authenticate(ctx context.Context, s *session) error {
	n := a.n
	if n.krb == nil || n.krb.realm == "" {
		return a.fail("the Kerberos realm of the user is unknown: give the user name as user@REALM, or set "+
			"the realm", true)
	}
	cl, err := a.gate.kerberos(ctx, n)
	if err != nil {
		return err
	}
	tkt, key, err := cl.GetServiceTicket(n.spn)
	if err != nil {
		return a.ticketError(err)
	}
	req, auth, err := newAPReq(cl, tkt, key)
	if err != nil {
		return fmt.Errorf("building the Kerberos AP-REQ for %s: %w", n.spn, err)
	}
	status, header, body, _, err := s.leg(ctx, n.url, req)
	if err != nil {
		return tlsFailure(n.host, err)
	}
	rep, err := a.answer(status, header, body)
	if err != nil {
		return err
	}
	gss, err := a.verify(rep, key, auth)
	if err != nil {
		return err
	}
	if s.seal {
		s.sec = krbSealer{gss}
	}
	return nil
}

// fail is an *AuthError about this Kerberos logon at the host. noTicket
// marks a logon for which no ticket could be had, which auth "negotiate"
// answers with NTLM.
func (a krbAuth) fail(reason string, noTicket bool) *AuthError {
	return &AuthError{User: a.n.principalName(), Host: a.n.hostport, Auth: a.n.Auth, Reason: reason, noTicket: noTicket}
}

// newAPReq returns the SPNEGO token that carries an AP-REQ for tkt, asking
// for mutual authentication, with a fresh subkey and sequence number, and
// the authenticator it holds.
func newAPReq(cl *krbclient.Client, tkt messages.Ticket, key types.EncryptionKey) ([]byte, types.Authenticator, error) {
	et, err := crypto.GetEtype(key.KeyType)
	if err != nil {
		return nil, types.Authenticator{}, err
	}
	seq, err := rand.Int(rand.Reader, big.NewInt(math.MaxUint32))
	if err != nil {
		return nil, types.Authenticator{}, err
	}
	now := krbNow().UTC()
	auth := types.Authenticator{
		AVNO:   5,
		CRealm: cl.Credentials.Domain(),
		CName:  cl.Credentials.CName(),
		CTime:  now.Truncate(time.Second),
		Cusec:  now.Nanosecond() / 1000,
		// RFC 4121 4.1.1: the checksum carries the context flags.
		Cksum:     types.Checksum{CksumType: chksumtype.GSSAPI, Checksum: gssChecksum(gssFlagSet)},
		SeqNumber: seq.Int64() & 0x3fffffff,
	}
	sub := make([]byte, et.GetKeyByteSize())
	if _, err := rand.Read(sub); err != nil {
		return nil, types.Authenticator{}, err
	}
	auth.SubKey = types.EncryptionKey{KeyType: key.KeyType, KeyValue: sub}
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		return nil, types.Authenticator{}, err
	}
	types.SetFlag(&req.APOptions, flags.APOptionMutualRequired)
	rb, err := req.Marshal()
	if err != nil {
		return nil, types.Authenticator{}, err
	}
	mech := krb5Token(tokAPReq, rb)
	tok := spnego.SPNEGOToken{Init: true, NegTokenInit: spnego.NegTokenInit{
		MechTypes:      []asn1.ObjectIdentifier{gssapi.OIDKRB5.OID(), gssapi.OIDMSLegacyKRB5.OID()},
		MechTokenBytes: mech,
	}}
	b, err := tok.Marshal()
	return b, auth, err
}

// gssChecksum is the authenticator checksum of RFC 4121 section 4.1.1,
// without channel bindings.
func gssChecksum(flagSet int) []byte {
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b[:4], 16)
	binary.LittleEndian.PutUint32(b[20:], uint32(flagSet))
	return b
}

// krb5Token frames a Kerberos message as a mechanism token (RFC 4121
// section 4.1): the mechanism's OID, the token identifier, the message.
func krb5Token(id, msg []byte) []byte {
	oid, _ := asn1.Marshal(gssapi.OIDKRB5.OID()) // a constant OID always marshals
	b := append(append(oid, id...), msg...)
	return asn1tools.AddASNAppTag(b, 0)
}

// answer reads the host's answer to the AP-REQ: the AP-REP of a 200, or
// the reason of a refusal.
func (a krbAuth) answer(status int, header http.Header, body []byte) (messages.APRep, error) {
	n := a.n
	switch status {
	case http.StatusOK, http.StatusUnauthorized:
	default:
		return messages.APRep{}, &HTTPError{StatusCode: status, Body: summarizeBody(body), logon: true}
	}
	tok, offered := negotiateToken(header)
	if !offered {
		if status == http.StatusOK {
			return messages.APRep{}, a.fail("the host accepted the connection without Kerberos mutual "+
				"authentication (no Negotiate answer), so it did not prove it holds the key of "+n.spn+
				"; refusing to send commands to it", false)
		}
		return messages.APRep{}, a.fail("the host does not offer Negotiate (Kerberos) authentication; it offers: "+
			offeredSchemes(header), false)
	}
	mech, err := responseMechToken(tok)
	if err != nil || len(mech) < 2 {
		if status == http.StatusUnauthorized {
			return messages.APRep{}, a.fail(a.refusal(), false)
		}
		return messages.APRep{}, a.fail(fmt.Sprintf("the host's Negotiate answer holds no Kerberos AP-REP (%v), so "+
			"it did not prove it holds the key of %s; refusing to send commands to it", errText(err), n.spn), false)
	}
	id, msg := mech[:2], mech[2:]
	switch {
	case string(id) == string(tokKRBErr):
		var ke messages.KRBError
		if err := ke.Unmarshal(msg); err != nil {
			return messages.APRep{}, a.fail(a.refusal(), false)
		}
		return messages.APRep{}, a.hostKRBError(ke)
	case string(id) == string(tokAPRep) && status == http.StatusOK:
		var rep messages.APRep
		if err := rep.Unmarshal(msg); err != nil {
			return messages.APRep{}, a.fail("the host's AP-REP cannot be read: "+err.Error(), false)
		}
		return rep, nil
	}
	return messages.APRep{}, a.fail(a.refusal(), false)
}

// errText is err's text, or "none" for nil: never a %!s(<nil>).
func errText(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}

// refusal explains a 401 to an AP-REQ without a Kerberos error in it.
func (a krbAuth) refusal() string {
	n := a.n
	return fmt.Sprintf("the host refused the Kerberos ticket for %s (realm %s) without saying why: check that "+
		"%s is registered to the host's computer account (setspn -Q %s), that the host is in realm %s or trusts "+
		"it, that this machine's clock is within 5 minutes of the host's, and that the user is allowed to use "+
		"WinRM on it", n.spn, n.krb.realm, n.spn, n.spn, n.krb.realm)
}

// responseMechToken returns the mechanism token of a SPNEGO NegTokenResp,
// or the token itself when the host answered with a bare Kerberos token.
func responseMechToken(tok []byte) ([]byte, error) {
	if len(tok) == 0 {
		return nil, errors.New("empty Negotiate token")
	}
	if tok[0] == 0x60 { // [APPLICATION 0]: a bare mechanism token
		return stripMechOID(tok)
	}
	init, v, err := spnego.UnmarshalNegToken(tok)
	if err != nil {
		return nil, err
	}
	resp, ok := v.(spnego.NegTokenResp)
	if init || !ok {
		return nil, errors.New("the host answered with a NegTokenInit")
	}
	if len(resp.ResponseToken) == 0 {
		return nil, fmt.Errorf("NegTokenResp without a response token (negState %d)", resp.NegState)
	}
	return stripMechOID(resp.ResponseToken)
}

// stripMechOID returns the token identifier and message of a Kerberos
// mechanism token, checking its OID.
func stripMechOID(b []byte) ([]byte, error) {
	var oid asn1.ObjectIdentifier
	rest, err := asn1.UnmarshalWithParams(b, &oid, "application,explicit,tag:0")
	if err != nil {
		return nil, fmt.Errorf("not a Kerberos mechanism token: %w", err)
	}
	if !oid.Equal(gssapi.OIDKRB5.OID()) && !oid.Equal(gssapi.OIDMSLegacyKRB5.OID()) {
		return nil, fmt.Errorf("mechanism %s is not Kerberos", oid)
	}
	return rest, nil
}

// verify checks the AP-REP against the authenticator sent (RFC 4120
// 3.2.5: its time must be the authenticator's) and returns the sealing
// context it sets up.
func (a krbAuth) verify(rep messages.APRep, key types.EncryptionKey, auth types.Authenticator) (*gss4121.Context, error) {
	plain, err := crypto.DecryptEncPart(rep.EncPart, key, keyusage.AP_REP_ENCPART)
	if err != nil {
		return nil, a.fail("the host's AP-REP does not decrypt with the ticket's session key, so the host did not "+
			"prove it holds the key of "+a.n.spn+"; something may be answering in its place", false)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		return nil, a.fail("the host's AP-REP cannot be read: "+err.Error(), false)
	}
	if !part.CTime.Equal(auth.CTime) || part.Cusec != auth.Cusec {
		return nil, a.fail("the host's AP-REP does not answer this AP-REQ (its time differs from the "+
			"authenticator's): it may be a replay", false)
	}
	cfg := gss4121.Config{Key: auth.SubKey, SendSeq: uint64(auth.SeqNumber), RecvSeq: uint64(part.SequenceNumber)}
	if len(part.Subkey.KeyValue) > 0 {
		cfg.Key, cfg.AcceptorSubkey = part.Subkey, true
	}
	ctx, err := gss4121.New(cfg)
	if err != nil {
		return nil, a.fail("the Kerberos session cannot seal messages: "+err.Error(), false)
	}
	return ctx, nil
}

// krbSealer seals with a Kerberos session's keys (RFC 4121 wrap tokens in
// WinRM's framing).
type krbSealer struct{ c *gss4121.Context }

func (krbSealer) protocol() string { return encProtocolKerberos }

func (x krbSealer) wrap(body []byte) ([]byte, []byte, error) { return x.c.WrapWinRM(body) }

func (x krbSealer) unwrap(sig, sealed []byte) ([]byte, error) { return x.c.UnwrapWinRM(sig, sealed) }

func (x krbSealer) sigLen(n int) bool { return n == x.c.WinRMHeaderLen() }
