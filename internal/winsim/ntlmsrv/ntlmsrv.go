package ntlmsrv

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Credentials looks up the password of an account; ok=false for unknown users.
//
// user and domain are the UserName and DomainName fields of the AUTHENTICATE
// message, exactly as the client sent them (NTOWFv2 is computed over these very
// strings). Clients differ: for a configured "DOM\bob", bodgit/ntlmssp (and so
// masterzen/winrm's NewEncryption) sends ("bob", "DOM") while Azure/go-ntlmssp
// sends ("bob", <the TargetName of the challenge>); for "bob@dom" bodgit sends
// ("bob", "dom") and Azure ("bob@dom", ""); a plain "bob" gives ("bob", "") and
// ("bob", <TargetName>) respectively. Windows matches user names without regard
// to case.
type Credentials func(user, domain string) (password string, ok bool)

// Server holds the NTLM settings of one simulated host. Its fields must not
// change once connections use it.
type Server struct {
	Creds      Credentials
	TargetName string // the host's NetBIOS computer name, e.g. "WIN-SIM"
	// Domain and DNSDomain are the NetBIOS and DNS names of the domain the host belongs to, ""
	// in a workgroup. A domain member's CHALLENGE names its domain rather than itself: TargetName
	// is the domain's NetBIOS name with NTLMSSP_TARGET_TYPE_DOMAIN, and TargetInfo carries the
	// domain's names and the host's DNS name within it (MS-NLMP 3.2.5.1.1). Clients that take
	// the logon's domain from the challenge (Azure/go-ntlmssp) then name the domain.
	Domain, DNSDomain string
}

// joined reports whether the host belongs to a domain.
func (s *Server) joined() bool { return s.Domain != "" }

// challengeTarget returns the TargetName of the CHALLENGE and its target type flag.
func (s *Server) challengeTarget() (string, uint32) {
	if s.joined() {
		return s.Domain, flagTargetDomain
	}
	return s.TargetName, flagTargetServer
}

type phase int

const (
	phaseInitial phase = iota
	phaseChallenged
	phaseAuthenticated
)

// Conn is the NTLM state of one TCP connection (Windows keys NTLM state to the connection).
// Its methods are safe for concurrent use.
type Conn struct {
	srv *Server

	mu sync.Mutex
	st connState
}

// connState is everything one exchange establishes; a failure or a new
// NEGOTIATE replaces it with the zero value.
type connState struct {
	phase           phase
	negotiate       []byte // the NEGOTIATE and CHALLENGE of this exchange, for the MIC
	challenge       []byte
	serverChallenge [8]byte
	flags           uint32 // flags of the CHALLENGE, then the negotiated ones
	user, domain    string
	sess            *session // nil unless SIGN or SEAL was negotiated
}

// NewConn returns the NTLM state for a new connection.
func (s *Server) NewConn() *Conn { return &Conn{srv: s} }

// filetimeEpochDelta is the number of 100 ns intervals between 1601-01-01 and 1970-01-01.
const filetimeEpochDelta = 116444736000000000

// filetime returns the current time as a Windows FILETIME, for MsvAvTimestamp.
func filetime() uint64 {
	return uint64(time.Now().UnixNano()/100) + filetimeEpochDelta
}

// Step consumes one raw NTLMSSP token from `Authorization: Negotiate <b64>` (or `NTLM <b64>`).
// A NEGOTIATE (type 1) yields a CHALLENGE (type 2) to send back in a 401, done=false;
// it restarts authentication even on an authenticated connection, as Windows does.
// An AUTHENTICATE (type 3) is verified (NTLMv2); on success done=true, out=nil, and the
// connection is authenticated with fresh signing and sealing keys.
// Wrong credentials, garbage, out-of-order messages: err (the HTTP layer answers 401
// with an empty body), and the connection is no longer authenticated.
func (c *Conn) Step(token []byte) (out []byte, done bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, done, err = c.step(token)
	if err != nil {
		c.reset()
	}
	return out, done, err
}

func (c *Conn) step(token []byte) ([]byte, bool, error) {
	typ, err := messageType(token)
	if err != nil {
		return nil, false, err
	}
	switch typ {
	case msgNegotiate:
		out, err := c.challengeFor(token)
		return out, false, err
	case msgAuthenticate:
		if c.st.phase != phaseChallenged {
			return nil, false, errors.New("ntlmsrv: AUTHENTICATE without a preceding NEGOTIATE on this connection")
		}
		if err := c.verify(token); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	default:
		return nil, false, fmt.Errorf("ntlmsrv: unexpected NTLMSSP message type %d", typ)
	}
}

func (c *Conn) reset() { c.st = connState{} }

func (c *Conn) challengeFor(token []byte) ([]byte, error) {
	if len(token) < negotiateMinLen {
		return nil, errTruncated
	}
	c.reset()
	clientFlags := uint32(token[12]) | uint32(token[13])<<8 | uint32(token[14])<<16 | uint32(token[15])<<24
	target, targetType := c.srv.challengeTarget()
	c.st.flags = challengeFlags(clientFlags)&^(flagTargetServer|flagTargetDomain) | targetType
	if _, err := rand.Read(c.st.serverChallenge[:]); err != nil {
		return nil, err
	}
	c.st.negotiate = append([]byte(nil), token...)
	c.st.challenge = buildChallenge(c.st.flags, c.st.serverChallenge, target, c.srv.targetInfo(filetime()))
	c.st.phase = phaseChallenged
	return append([]byte(nil), c.st.challenge...), nil
}

// ntlmv2BlobMin is the fixed part of NTLMv2_CLIENT_CHALLENGE: RespType, HiRespType,
// 6 reserved bytes, TimeStamp, ChallengeFromClient, 4 reserved bytes.
const ntlmv2BlobMin = 28

func (c *Conn) verify(token []byte) error {
	m, err := parseAuthenticate(token)
	if err != nil {
		return err
	}
	// The client cannot switch on what the challenge did not grant.
	flags := m.flags & c.st.flags
	switch {
	case m.flags&flagAnonymous != 0 || m.user == "" && len(m.ntResponse) == 0:
		return errors.New("ntlmsrv: anonymous authentication is not supported")
	case len(m.ntResponse) == 0:
		return errors.New("ntlmsrv: LM-only authentication is not supported")
	case len(m.ntResponse) <= 24:
		return errors.New("ntlmsrv: NTLMv1 authentication is not supported")
	case len(m.ntResponse) < 16+ntlmv2BlobMin:
		return errTruncated
	}
	proof, blob := m.ntResponse[:16], m.ntResponse[16:]
	if blob[0] != 1 || blob[1] != 1 {
		return fmt.Errorf("ntlmsrv: unknown NTLMv2 response type %d.%d", blob[0], blob[1])
	}
	if c.srv.Creds == nil {
		return errors.New("ntlmsrv: no credentials configured")
	}
	password, ok := c.srv.Creds(m.user, m.domain)
	if !ok {
		return fmt.Errorf("ntlmsrv: unknown user %q (domain %q)", m.user, m.domain)
	}
	key := ntowfV2(password, m.user, m.domain)
	if subtle.ConstantTimeCompare(hmacMD5(key, c.st.serverChallenge[:], blob), proof) != 1 {
		return fmt.Errorf("ntlmsrv: wrong password for user %q (domain %q)", m.user, m.domain)
	}

	exportedSessionKey := hmacMD5(key, proof) // SessionBaseKey = KeyExchangeKey for NTLMv2
	if flags&flagKeyExch != 0 {
		if len(m.encryptedSessionKey) != 16 {
			return errors.New("ntlmsrv: KEY_EXCH negotiated but EncryptedRandomSessionKey is not 16 bytes")
		}
		if exportedSessionKey, err = rc4Key(exportedSessionKey, m.encryptedSessionKey); err != nil {
			return err
		}
	}

	if err := c.checkMIC(blob[ntlmv2BlobMin:], token, exportedSessionKey); err != nil {
		return err
	}

	var sess *session
	if flags&(flagSign|flagSeal) != 0 {
		if sess, err = newSession(flags, exportedSessionKey); err != nil {
			return err
		}
	}
	c.st.phase = phaseAuthenticated
	c.st.flags = flags
	c.st.user, c.st.domain = m.user, m.domain
	c.st.sess = sess
	c.st.negotiate, c.st.challenge = nil, nil
	return nil
}

// checkMIC verifies the MIC when the client's NTLMv2 blob says it sent one
// (MsvAvFlags bit 0x2), as Windows does. Clients that send no MsvAvFlags
// (Azure/go-ntlmssp) send no MIC.
func (c *Conn) checkMIC(avPairs, token, exportedSessionKey []byte) error {
	v, ok := findAV(avPairs, avFlags)
	if !ok || len(v) != 4 || (uint32(v[0])|uint32(v[1])<<8|uint32(v[2])<<16|uint32(v[3])<<24)&avFlagMICProvided == 0 {
		return nil
	}
	if len(token) < micOffset+micLen {
		return errors.New("ntlmsrv: MIC announced but AUTHENTICATE is too short to hold it")
	}
	zeroed := append([]byte(nil), token...)
	clear(zeroed[micOffset : micOffset+micLen])
	want := hmacMD5(exportedSessionKey, c.st.negotiate, c.st.challenge, zeroed)
	if subtle.ConstantTimeCompare(want, token[micOffset:micOffset+micLen]) != 1 {
		return errors.New("ntlmsrv: MIC does not match")
	}
	return nil
}

// Authenticated reports whether the last AUTHENTICATE on this connection was verified.
func (c *Conn) Authenticated() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.phase == phaseAuthenticated
}

// User returns the UserName of the verified AUTHENTICATE message, as the client
// sent it (no domain part is added); "" when not authenticated.
func (c *Conn) User() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.user
}

// Domain returns the DomainName of the verified AUTHENTICATE message, as the
// client sent it; "" when not authenticated or when the client sent none.
func (c *Conn) Domain() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.domain
}

// Sealing reports whether the connection is authenticated with SEAL negotiated,
// that is whether DecryptBody and EncryptBody can work on it.
func (c *Conn) Sealing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.phase == phaseAuthenticated && c.st.sess != nil && c.st.flags&flagSeal != 0
}
