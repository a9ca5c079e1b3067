package wintime

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Version is a Windows NT version as `ver` prints it.
type Version struct {
	Major, Minor, Build, Revision int
}

// verPattern finds the bracketed version in `ver` output. The word before the
// number ("Version") is translated on some localized systems, so only the
// digits are matched.
var verPattern = regexp.MustCompile(`\[[^\]\d]*(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\]`)

// ParseVer reads the output of `ver`, such as "Microsoft Windows [Version 5.2.3790]".
func ParseVer(out string) (Version, error) {
	m := verPattern.FindStringSubmatch(out)
	if m == nil {
		return Version{}, errors.New("no Windows version found in the output of ver")
	}
	var v Version
	for i, p := range []*int{&v.Major, &v.Minor, &v.Build, &v.Revision} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return Version{}, fmt.Errorf("version part %q: %w", m[i+1], err)
		}
		*p = n
	}
	return v, nil
}

// String formats the version as Windows does: 10.0.20348.587, or 5.2.3790
// when there is no revision.
func (v Version) String() string {
	if v.Revision == 0 {
		return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Build)
	}
	return fmt.Sprintf("%d.%d.%d.%d", v.Major, v.Minor, v.Build, v.Revision)
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v == Version{} }

// Less orders versions.
func (v Version) Less(w Version) bool {
	a := [4]int{v.Major, v.Minor, v.Build, v.Revision}
	b := [4]int{w.Major, w.Minor, w.Build, w.Revision}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// releases maps NT versions to the server release that carries them. Server
// and client editions share NT versions (6.1 is both Server 2008 R2 and
// Windows 7); the names here are the server ones, this being a server tool.
var releases = []struct {
	major, minor, build int // build 0 matches any build
	name                string
}{
	{5, 2, 0, "Windows Server 2003"},
	{6, 0, 0, "Windows Server 2008"},
	{6, 1, 0, "Windows Server 2008 R2"},
	{6, 2, 0, "Windows Server 2012"},
	{6, 3, 0, "Windows Server 2012 R2"},
	{10, 0, 14393, "Windows Server 2016"},
	{10, 0, 17763, "Windows Server 2019"},
	{10, 0, 20348, "Windows Server 2022"},
	{10, 0, 26100, "Windows Server 2025"},
}

// Release names the Windows Server release of v, or describes v when it is
// not one of the known releases.
func (v Version) Release() string {
	for _, r := range releases {
		if v.Major == r.major && v.Minor == r.minor && (r.build == 0 || r.build == v.Build) {
			return r.name
		}
	}
	return "Windows " + v.String()
}

// Supported reports whether the provider knows how to configure this version:
// Server 2003 (NT 5.2) and everything after it.
func (v Version) Supported() bool {
	return !v.Less(Version{Major: 5, Minor: 2})
}

// legacyW32tm reports whether the host's w32tm is the Server 2003 one, which
// knows only the MANUAL and DOMHIER sync flags and has no /query.
func (v Version) legacyW32tm() bool { return v.Major < 6 }
