package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"
)

// principalName is the user an error names: the Kerberos principal when
// the realm is known, else the user name as given.
func (n *normalized) principalName() string {
	if n.krb != nil && n.krb.realm != "" && n.krb.user != "" {
		return n.krb.principal()
	}
	return n.Username
}

// kerberos returns the process's Kerberos client of n's principal, logged
// on: a ticket-granting ticket is obtained once per credentials (password
// or keytab) and reused for every host, whose service tickets the client
// caches. The AS exchange is a logon attempt: it goes through the gate, so
// that a wrong password costs one failed logon per process. A ticket cache
// needs no exchange.
func (g *credGate) kerberos(ctx context.Context, n *normalized) (*krbclient.Client, error) {
	g.krbMu.Lock()
	defer g.krbMu.Unlock()
	if g.krb != nil {
		return g.krb, nil
	}
	if err := g.check(n); err != nil {
		return nil, err
	}
	k := n.krb
	opts := []func(*krbclient.Settings){krbclient.DisablePAFXFAST(true)}
	var cl *krbclient.Client
	switch {
	case k.ccache != nil:
		var err error
		if cl, err = krbclient.NewFromCCache(k.ccache, k.conf, opts...); err != nil {
			return nil, &AuthError{User: n.principalName(), Host: n.hostport, Auth: n.Auth, noTicket: true,
				Reason: fmt.Sprintf("the ticket cache holds no usable ticket-granting ticket for %s (%v): run kinit %s",
					k.principal(), err, k.principal())}
		}
		if ccacheExpired(k) {
			return nil, &AuthError{User: n.principalName(), Host: n.hostport, Auth: n.Auth, noTicket: true,
				Reason: fmt.Sprintf("the ticket-granting ticket of %s in the ticket cache has expired: run kinit %s again",
					k.principal(), k.principal())}
		}
		g.krb = cl
		return cl, nil
	case k.keytab != nil:
		cl = krbclient.NewWithKeytab(k.user, k.realm, k.keytab, k.conf, opts...)
	default:
		cl = krbclient.NewWithPassword(k.user, k.realm, n.Password, k.conf, opts...)
	}
	err := g.logon(ctx, n, func() error {
		g.krbLogins++
		if err := cl.Login(); err != nil {
			return loginError(n, err)
		}
		return nil
	})
	if err != nil {
		cl.Destroy()
		return nil, err
	}
	g.krb = cl
	return cl, nil
}

// ccacheExpired reports whether the ticket cache's ticket-granting ticket
// has expired.
func ccacheExpired(k *krbSetup) bool {
	tgt := types.PrincipalName{NameType: nametype.KRB_NT_SRV_INST, NameString: []string{"krbtgt", k.ccache.DefaultPrincipal.Realm}}
	e, ok := k.ccache.GetEntry(tgt)
	return ok && time.Now().After(e.EndTime)
}

// closeKerberos ends the Kerberos client's background renewal.
func (g *credGate) closeKerberos() {
	g.krbMu.Lock()
	defer g.krbMu.Unlock()
	if g.krb != nil {
		g.krb.Destroy()
		g.krb = nil
	}
}

// krbCodePattern finds the error code of a KRB-ERROR in a gokrb5 error:
// gokrb5 keeps the KDC's KRBError only as text, always written
// "KRB Error: (<code>) <name>" (errorcode.Lookup).
var krbCodePattern = regexp.MustCompile(`KRB Error: \((\d+)\)`)

// krbErrorCode returns the KRB-ERROR code err carries, if any.
func krbErrorCode(err error) (int32, bool) {
	var ke messages.KRBError
	if errors.As(err, &ke) {
		return ke.ErrorCode, true
	}
	m := krbCodePattern.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	c, perr := strconv.ParseInt(m[1], 10, 32)
	return int32(c), perr == nil
}

// krbCategory returns the kind gokrb5 gave err (krberror's root cause).
func krbCategory(err error) string {
	var ke krberror.Krberror
	if errors.As(err, &ke) {
		return ke.RootCause
	}
	return ""
}

// loginError turns the failure of an AS exchange into an *AuthError that
// names its cause; a refusal of the credentials is marked as such (it
// closes the gate).
func loginError(n *normalized, err error) error {
	k := n.krb
	what := "password"
	if k.keytab != nil {
		what = "keytab's key"
	}
	ae := &AuthError{User: k.principal(), Host: n.hostport, Auth: n.Auth, by: "the KDC of realm " + k.realm}
	code, ok := krbErrorCode(err)
	switch {
	case ok && code == errorcode.KDC_ERR_PREAUTH_FAILED, !ok && krbCategory(err) == krberror.DecryptingError,
		!ok && krbCategory(err) == krberror.ChksumError:
		ae.credentials = true
		// Without pre-authentication required, the KDC answers and the
		// reply does not decrypt with the key of the password: the same.
		ae.Reason = fmt.Sprintf("the KDC of realm %s refused the %s of %s: the %s is wrong", k.realm, what,
			k.principal(), what)
		if k.keytab != nil {
			ae.Reason += " (the keytab holds an old key, or another principal's: export it again with ktpass or ktutil)"
		}
	case ok && code == errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN:
		ae.credentials = true
		ae.Reason = fmt.Sprintf("the KDC of realm %s does not know the user %s (KDC_ERR_C_PRINCIPAL_UNKNOWN): check "+
			"the user name and its realm; give the account's name in the realm (user@REALM or REALM\\user, the realm "+
			"being the domain's DNS name), not an alternative UPN suffix", k.realm, k.principal())
	case ok && (code == errorcode.KDC_ERR_CLIENT_REVOKED || code == errorcode.KDC_ERR_KEY_EXPIRED):
		ae.credentials = true
		ae.Reason = fmt.Sprintf("the KDC of realm %s refused %s: the account is disabled, locked out or its "+
			"password has expired (%s)", k.realm, k.principal(), errorcode.Lookup(code))
	case ok && code == errorcode.KRB_AP_ERR_SKEW:
		ae.Reason = kdcSkewReason(k)
	case ok && code == errorcode.KDC_ERR_WRONG_REALM:
		ae.Reason = fmt.Sprintf("the KDC of realm %s says %s belongs to another realm (KDC_ERR_WRONG_REALM): give "+
			"the user name with its own realm (user@REALM)", k.realm, k.principal())
	case ok:
		ae.Reason = fmt.Sprintf("the KDC of realm %s refused the logon of %s: %s", k.realm, k.principal(), errorcode.Lookup(code))
	default:
		ae.noTicket = true
		ae.Reason = unreachableReason(k, err)
	}
	return ae
}

// unreachableReason explains an AS or TGS exchange that got no answer.
func unreachableReason(k *krbSetup, err error) string {
	if len(k.kdcs) > 0 {
		return fmt.Sprintf("no KDC of realm %s answered (tried %s): check that kdc names the domain's KDCs and that "+
			"TCP port 88 is open to them (%v)", k.realm, strings.Join(k.kdcs, ", "), err)
	}
	if kdcs := confKDCs(k); len(kdcs) > 0 {
		return fmt.Sprintf("no KDC of realm %s answered (tried %s, from krb5_conf): check that TCP port 88 is open "+
			"to them (%v)", k.realm, strings.Join(kdcs, ", "), err)
	}
	return fmt.Sprintf("no KDC of realm %s was found or answered (looked up the DNS SRV records _kerberos._tcp.%s): "+
		"set kdc to the domain controllers, or give a krb5_conf (%v)", k.realm, k.realm, err)
}

// confKDCs returns the KDCs a krb5.conf gives for the setup's realm.
func confKDCs(k *krbSetup) []string {
	for _, r := range k.conf.Realms {
		if r.Realm == k.realm {
			return r.KDC
		}
	}
	return nil
}

// kdcSkewReason explains the KDC's clock-skew refusal, measuring the skew.
func kdcSkewReason(k *krbSetup) string {
	skew, known := kdcSkew(k)
	return skewReason("the KDC of realm "+k.realm, skew, known)
}

// skewReason explains a clock-skew refusal by who, with the measured
// skew (the other side's clock minus this machine's) when known.
func skewReason(who string, skew time.Duration, known bool) string {
	if !known {
		return who + " refused the logon because its clock and this machine's differ by more than Kerberos " +
			"allows (KRB_AP_ERR_SKEW, 5 minutes by default): synchronize this machine's clock with the domain's"
	}
	dir := "ahead of"
	if skew < 0 {
		dir, skew = "behind", -skew
	}
	return fmt.Sprintf("%s refused the logon because its clock is %s %s this machine's (KRB_AP_ERR_SKEW; Kerberos "+
		"allows 5 minutes by default): synchronize this machine's clock with the domain's", who,
		skew.Round(time.Second), dir)
}

// kdcSkew measures the skew of the realm's first reachable KDC: an AS-REQ
// without pre-authentication (which is no logon attempt: it proves nothing
// and the KDC counts no failure for it) is answered with a KRB-ERROR that
// carries the KDC's time.
func kdcSkew(k *krbSetup) (time.Duration, bool) {
	kdcs := k.kdcs
	if len(kdcs) == 0 {
		kdcs = confKDCs(k)
	}
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, k.user)
	req, err := messages.NewASReqForTGT(k.realm, k.conf, cname)
	if err != nil {
		return 0, false
	}
	b, err := req.Marshal()
	if err != nil {
		return 0, false
	}
	for _, addr := range kdcs {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, strconv.Itoa(kdcPort))
		}
		if ke, ok := askKDC(addr, b); ok {
			return time.Until(ke.STime.Add(time.Duration(ke.Susec) * time.Microsecond)), true
		}
	}
	return 0, false
}

// askKDC sends one request to a KDC over TCP and returns its KRB-ERROR.
func askKDC(addr string, req []byte) (messages.KRBError, bool) {
	var ke messages.KRBError
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return ke, false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(req)))
	if _, err := conn.Write(append(l[:], req...)); err != nil {
		return ke, false
	}
	if _, err := io.ReadFull(conn, l[:]); err != nil {
		return ke, false
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > 1<<16 {
		return ke, false
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(conn, b); err != nil {
		return ke, false
	}
	return ke, ke.Unmarshal(b) == nil
}

// ticketError turns the failure of a TGS exchange for the host's SPN into
// an *AuthError that names its cause.
func (a krbAuth) ticketError(err error) error {
	n, k := a.n, a.n.krb
	code, ok := krbErrorCode(err)
	switch {
	case ok && code == errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN:
		return a.fail(fmt.Sprintf("the KDC of realm %s knows no service principal %s (KDC_ERR_S_PRINCIPAL_UNKNOWN): "+
			"connect to the host by the name its computer account is registered under (a host reached by IP "+
			"address or by an alias has no such SPN), or set spn in the kerberos block to the host's SPN "+
			"(setspn -L <computer> lists them; WinRM uses HTTP/<host name> for HTTP and HTTPS alike)", k.realm, n.spn), true)
	case ok && code == errorcode.KRB_AP_ERR_SKEW:
		return a.fail(kdcSkewReason(k), false)
	case ok && code == errorcode.KDC_ERR_WRONG_REALM:
		return a.fail(fmt.Sprintf("the KDC of realm %s says %s belongs to another realm, and none trusts %s: "+
			"give the user name in the host's realm (user@REALM), or set spn with the host's realm "+
			"(HTTP/host@REALM)", k.realm, n.spn, k.realm), true)
	case ok:
		return a.fail(fmt.Sprintf("the KDC of realm %s gave no ticket for %s: %s", k.realm, n.spn, errorcode.Lookup(code)), false)
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	return a.fail(unreachableReason(k, err), true)
}

// hostKRBError turns the host's KRB-ERROR answer to the AP-REQ into an
// *AuthError that names its cause.
func (a krbAuth) hostKRBError(ke messages.KRBError) error {
	n, k := a.n, a.n.krb
	switch ke.ErrorCode {
	case errorcode.KRB_AP_ERR_SKEW:
		skew := ke.STime.Add(time.Duration(ke.Susec) * time.Microsecond).Sub(krbNow())
		return a.fail(skewReason("the host", skew, !ke.STime.IsZero()), false)
	case errorcode.KRB_AP_ERR_MODIFIED, errorcode.KRB_AP_ERR_BAD_INTEGRITY, errorcode.KRB_AP_ERR_NOKEY,
		errorcode.KRB_AP_ERR_BADKEYVER:
		return a.fail(fmt.Sprintf("the host cannot decrypt the ticket for %s from realm %s (%s): the SPN is registered "+
			"to another account than the host's (a duplicate SPN, or the wrong host name), or the host's key "+
			"changed; check setspn -Q %s, or set spn in the kerberos block", n.spn, k.realm,
			errorcode.Lookup(ke.ErrorCode), n.spn), false)
	case errorcode.KRB_AP_ERR_NOT_US, errorcode.KRB_AP_ERR_BADMATCH:
		return a.fail(fmt.Sprintf("the host says the ticket for %s from realm %s is not for it (%s): the host is in "+
			"another realm, or the SPN names another host; give the user name in the host's realm, or set "+
			"spn in the kerberos block", n.spn, k.realm, errorcode.Lookup(ke.ErrorCode)), false)
	}
	return a.fail(fmt.Sprintf("the host refused the Kerberos ticket for %s from realm %s: %s", n.spn, k.realm,
		errorcode.Lookup(ke.ErrorCode)), false)
}
