// Command gencldr writes the IANA to Windows time zone table of package tzmap
// from the Unicode CLDR data published on npm, and copies the data's licence
// beside it. It runs from `go generate` in the tzmap directory:
//
//	go run ./internal/gencldr
//
// It fetches the pinned versions of the npm packages cldr-core (for
// supplemental/windowsZones.json, the mapping itself, and
// supplemental/aliases.json, the deprecated zone names) and cldr-bcp47 (for
// bcp47/timezone.json, which lists every IANA name of each zone) with
// `npm pack`, checks each tarball against its pinned sha512 integrity, and
// writes zones_gen.go and LICENSE-unicode. The output depends only on the
// pinned data, so running it twice gives the same files.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The pinned packages. To move to a new CLDR release, change the versions and
// the integrity strings (`npm view cldr-core@<version> dist.integrity`).
var packages = map[string]pin{
	"cldr-core":  {"48.2.0", "sha512-zfmLothncSwfv2jlevoSrgI2VGgH8SDGHXst6jUEotHA8nq9Igeg9jzdJDFtBso9pgJuG89DK16TzrmZDdo2Bg=="},
	"cldr-bcp47": {"48.2.0", "sha512-ks3zN+Wbg1zMqvJNeDai1zA0JBGHbAnxv2Ko4rjVohvXscDGmTa7VNy1T+QRlQw3QVPzQcCm2EOiEtAfOU4d+g=="},
}

type pin struct{ version, integrity string }

// golden is the territory CLDR uses for the one IANA zone that stands for a
// Windows zone as a whole.
const golden = "001"

func main() {
	log.SetFlags(0)
	log.SetPrefix("gencldr: ")
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	tmp, err := os.MkdirTemp("", "gencldr")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	core, err := fetch(tmp, "cldr-core", "package/supplemental/windowsZones.json",
		"package/supplemental/aliases.json", "package/LICENSE")
	if err != nil {
		return err
	}
	bcp, err := fetch(tmp, "cldr-bcp47", "package/bcp47/timezone.json")
	if err != nil {
		return err
	}
	table, ids, err := build(core["package/supplemental/windowsZones.json"],
		bcp["package/bcp47/timezone.json"], core["package/supplemental/aliases.json"])
	if err != nil {
		return err
	}
	src, err := render(table, ids)
	if err != nil {
		return err
	}
	// The outputs are files of the repository, readable by all like the others.
	if err := os.WriteFile("zones_gen.go", src, 0o644); err != nil { //nolint:gosec // see above
		return err
	}
	return os.WriteFile("LICENSE-unicode", core["package/LICENSE"], 0o644) //nolint:gosec // see above
}

// fetch runs `npm pack` of the pinned package into dir, checks the tarball's
// integrity and returns the named files from it.
func fetch(dir, name string, files ...string) (map[string][]byte, error) {
	p := packages[name]
	cmd := exec.CommandContext(context.Background(), "npm", "pack", "--silent", name+"@"+p.version) //nolint:gosec // name and version are the pinned constants above
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("npm pack %s@%s: %w", name, p.version, err)
	}
	tgz, err := os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(out))))
	if err != nil {
		return nil, err
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != p.integrity {
		return nil, fmt.Errorf("%s@%s: integrity %s, pinned %s", name, p.version, got, p.integrity)
	}
	return untar(tgz, files)
}

// untar returns the named files of a .tgz.
func untar(tgz []byte, files []string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, f := range files {
		want[f] = true
	}
	got := map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if want[h.Name] {
			if got[h.Name], err = io.ReadAll(tr); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range files {
		if _, ok := got[f]; !ok {
			return nil, fmt.Errorf("%s not in the package", f)
		}
	}
	return got, nil
}

type windowsZonesFile struct {
	Supplemental struct {
		WindowsZones struct {
			MapTimezones []struct {
				MapZone struct {
					Other     string `json:"_other"`
					Type      string `json:"_type"`
					Territory string `json:"_territory"`
				} `json:"mapZone"`
			} `json:"mapTimezones"`
		} `json:"windowsZones"`
	} `json:"supplemental"`
}

type bcp47File struct {
	Keyword struct {
		U struct {
			TZ map[string]json.RawMessage `json:"tz"`
		} `json:"u"`
	} `json:"keyword"`
}

type bcp47Zone struct {
	Alias string `json:"_alias"`
	IANA  string `json:"_iana"`
}

type aliasesFile struct {
	Supplemental struct {
		Metadata struct {
			Alias struct {
				ZoneAlias map[string]json.RawMessage `json:"zoneAlias"`
			} `json:"alias"`
		} `json:"metadata"`
	} `json:"supplemental"`
}

// build returns the table from IANA names to Windows ids and the sorted ids.
//
// Every name in a mapZone's type list maps to its Windows id. A name listed
// under several territories takes the id of its golden (001) entry; names
// that still disagree are an error. Then every other IANA name of the same
// zone (bcp47 aliases, such as Asia/Kolkata for CLDR's Asia/Calcutta, and
// deprecated names with a replacement) maps to the id of the zone, unless
// windowsZones names it itself.
func build(wzJSON, bcpJSON, aliasJSON []byte) (map[string]string, []string, error) {
	var wz windowsZonesFile
	if err := json.Unmarshal(wzJSON, &wz); err != nil {
		return nil, nil, fmt.Errorf("windowsZones.json: %w", err)
	}
	table := map[string]string{}
	fromGolden := map[string]bool{}
	idSet := map[string]bool{}
	for _, m := range wz.Supplemental.WindowsZones.MapTimezones {
		z := m.MapZone
		if err := checkID(z.Other); err != nil {
			return nil, nil, err
		}
		idSet[z.Other] = true
		for _, name := range strings.Fields(z.Type) {
			g := z.Territory == golden
			old, seen := table[name]
			switch {
			case !seen, g && !fromGolden[name]:
				table[name], fromGolden[name] = z.Other, g
			case old != z.Other && !fromGolden[name]:
				return nil, nil, fmt.Errorf("%s maps to both %q and %q outside territory %s", name, old, z.Other, golden)
			}
		}
	}

	var bcp bcp47File
	if err := json.Unmarshal(bcpJSON, &bcp); err != nil {
		return nil, nil, fmt.Errorf("timezone.json: %w", err)
	}
	keys := make([]string, 0, len(bcp.Keyword.U.TZ))
	for k := range bcp.Keyword.U.TZ {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var z bcp47Zone
		if json.Unmarshal(bcp.Keyword.U.TZ[k], &z) != nil {
			continue // the _description and _alias strings of the keyword itself
		}
		names := append(strings.Fields(z.Alias), z.IANA)
		id := ""
		for _, n := range names {
			if table[n] != "" {
				id = table[n]
				break
			}
		}
		if id == "" {
			continue
		}
		for _, n := range names {
			if n != "" && table[n] == "" {
				table[n] = id
			}
		}
	}

	var al aliasesFile
	if err := json.Unmarshal(aliasJSON, &al); err != nil {
		return nil, nil, fmt.Errorf("aliases.json: %w", err)
	}
	deprecated := map[string]string{}
	for area, raw := range al.Supplemental.Metadata.Alias.ZoneAlias {
		if err := zoneAliases(area, raw, deprecated); err != nil {
			return nil, nil, fmt.Errorf("aliases.json: %w", err)
		}
	}
	for name, repl := range deprecated {
		if id := table[repl]; id != "" && table[name] == "" {
			table[name] = id
		}
	}

	ids := make([]string, 0, len(idSet))
	for id := range idSet {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return table, ids, nil
}

// zoneAliases walks the zoneAlias tree of aliases.json, whose levels are the
// parts of a zone name (America, Argentina, ComodRivadavia) and whose leaves
// hold the _replacement name, into names.
func zoneAliases(path string, raw json.RawMessage, names map[string]string) error {
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return nil // a string attribute such as _reason
	}
	var node map[string]json.RawMessage
	if err := json.Unmarshal(raw, &node); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if r, ok := node["_replacement"]; ok {
		var repl string
		if err := json.Unmarshal(r, &repl); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		names[path] = repl
		return nil
	}
	for k, v := range node {
		if err := zoneAliases(path+"/"+k, v, names); err != nil {
			return err
		}
	}
	return nil
}

// checkID refuses a Windows id with a character the tzmap allowlist does not
// take, so that a new CLDR release cannot widen what reaches a command line
// without a change to the allowlist and its tests.
func checkID(id string) error {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" .+-()", r)) {
			return fmt.Errorf("windows zone id %q has the character %q, outside the allowlist", id, r)
		}
	}
	return nil
}

// render writes the Go source of the table.
func render(table map[string]string, ids []string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gencldr from Unicode CLDR (npm cldr-core@%s, cldr-bcp47@%s). DO NOT EDIT.\n\n",
		packages["cldr-core"].version, packages["cldr-bcp47"].version)
	b.WriteString("package tzmap\n\n")
	fmt.Fprintf(&b, "// cldrPackage names the data the tables come from.\nconst cldrPackage = %q\n\n",
		"cldr-core@"+packages["cldr-core"].version)
	b.WriteString("// windowsIDs is every Windows time zone id CLDR's windowsZones maps, sorted.\nvar windowsIDs = []string{\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "\t%q,\n", id)
	}
	b.WriteString("}\n\n")
	b.WriteString("// ianaToWindows maps every IANA name of windowsZones, and every other name of the same zones, to its Windows id.\nvar ianaToWindows = map[string]string{\n")
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q: %q,\n", n, table[n])
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
