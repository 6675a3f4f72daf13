package sbomarchive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shipcheck/shipcheck"
	"github.com/shipcheck/shipcheck/packaging"
	"github.com/shipcheck/shipcheck/report"
	"github.com/shipcheck/shipcheck/sbom"
	"github.com/shipcheck/shipcheck/vuln"
)

// Shard is one of N parts of the deployments, by a hash of their names:
// N workers, each given its own part (1/N ... N/N), rescan every
// deployment exactly once between them, each recording only its own
// deployments' state. The zero Shard is every deployment.
type Shard struct{ I, N int }

// ParseShard reads I/N, 1 <= I <= N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("--shard %q: write I/N with 1 <= I <= N (1/4 is the first of four)", s)
	}
	return Shard{i, n}, nil
}

// String is I/N; "" for every deployment.
func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Has reports whether the shard holds the deployment name: FNV-1a of the
// name, modulo N, is I-1.
func (s Shard) Has(name string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32()%uint32(s.N)) == s.I-1
}

// RescanOptions tune Rescan.
type RescanOptions struct {
	// Scan gives the advisories (Advisories already open, else Source),
	// the decisions (Ignores, VEX), the gate and the times, as for a
	// scan; Kind and the rest are set by Rescan.
	Scan shipcheck.ScanOptions
	// Shard, when set, rescans that part of the deployments only.
	Shard Shard
	// All lists every deployment rechecked in the report, not only those
	// whose findings changed.
	All bool
	// DryRun is said in the report: the caller will not Record.
	DryRun bool
	// Batch is how many deployments are loaded and matched at a time
	// (default 500).
	Batch int
}

// Rescanned is what a rescan found, before it is recorded.
type Rescanned struct {
	// Report is the rescan's report (kind rescan): the deployments whose
	// findings changed (all of them with RescanOptions.All), each with
	// its current findings and Changes.
	Report *report.Report
	a      *Archive
	states []state
	at     time.Time
	pkgs   map[int64]*sbom.Package // the archive's packages, by id
}

// state is the change to a deployment's stored findings.
type state struct {
	dep  int64
	add  map[string]string // key -> stored finding
	drop []string
}

// depRow is a deployment to rescan.
type depRow struct {
	id, snap int64
	name     string
	taken    time.Time
	previous time.Time
}

// Rescan matches the latest SBOM of every deployment (of the shard)
// against the advisories, through the same run as vuln --sbom (ignores
// and VEX applied), each distinct package matched once whatever the
// number of deployments that ship it; and compares each deployment's
// findings with those its previous rescan recorded. Nothing is written:
// Record stores the findings as the reference of the next rescan, once
// the report has been delivered.
func (a *Archive) Rescan(ctx context.Context, opt RescanOptions) (*Rescanned, error) {
	so := opt.Scan
	src := so.Advisories
	if src == nil {
		s, release, err := vuln.OpenSource(ctx, so.Source)
		if err != nil {
			return nil, err
		}
		defer release()
		src = s
	}
	m := vuln.NewMatcher(src)
	so.Advisories, so.Kind, so.Each = m, report.KindVuln, nil
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	deps, err := a.deployments(ctx, opt.Shard)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if !so.Time.IsZero() {
		now = so.Time
	}
	tool := report.Tool{Name: "shipcheck", Version: so.ToolVersion}
	if tool.Version == "" {
		tool.Version = shipcheck.Version()
	}
	about := m.About()
	r := &report.Report{Version: report.SchemaVersion, Kind: report.KindRescan, Tool: tool, Advisories: &about,
		Gate: so.Gate, Deployments: []*report.Deployment{}, Created: now.UTC(),
		Rescan: &report.Rescan{Archive: a.where, Shard: opt.Shard.String(), Deployments: len(deps), All: opt.All, DryRun: opt.DryRun}}
	out := &Rescanned{Report: r, a: a, at: now}
	for start := 0; start < len(deps); start += opt.Batch {
		part := deps[start:min(start+opt.Batch, len(deps))]
		if err := out.rescan(ctx, part, so, opt.All); err != nil {
			return nil, err
		}
	}
	r.Rescan.Packages = m.Distinct()
	var seed strings.Builder
	for _, d := range r.Deployments {
		fmt.Fprintf(&seed, "%s %s\n", d.Name, d.Changes.Archived)
		if len(d.Changes.New)+len(d.Changes.Gone) > 0 {
			r.Rescan.Changed++
		}
	}
	r.Serial = report.NewSerial(so.Deterministic, seed.String())
	r.Judge()
	return out, nil
}

// rescan rechecks a batch of deployments.
func (out *Rescanned) rescan(ctx context.Context, deps []depRow, so shipcheck.ScanOptions, all bool) error {
	a := out.a
	snaps := make([]int64, len(deps))
	ids := make([]int64, len(deps))
	for i, d := range deps {
		snaps[i], ids[i] = d.snap, d.id
	}
	occs, err := a.occurrences(ctx, snaps)
	if err != nil {
		return err
	}
	prev, err := a.findings(ctx, ids)
	if err != nil {
		return err
	}
	// Locations are left out here (most packages have no finding) and
	// read for the findings reported only.
	targets := make([]shipcheck.Target, len(deps))
	refs := make([]map[string]int64, len(deps))
	for i, d := range deps {
		pkgs := make([]*sbom.Package, 0, len(occs[d.snap]))
		refs[i] = make(map[string]int64, len(occs[d.snap]))
		for _, o := range occs[d.snap] {
			tmpl, err := out.pkg(ctx, o.pkg)
			if err != nil {
				return err
			}
			p := *tmpl
			p.ID, p.Type = o.ref, sbom.Type(o.typ)
			p.DeclaredOnly, p.Excluded = o.flags&flagDeclaredOnly != 0, o.flags&flagExcluded != 0
			pkgs = append(pkgs, &p)
			refs[i][o.ref] = o.pkg
		}
		targets[i] = shipcheck.Target{Name: d.name, Artifact: d.name, Inventory: &sbom.Inventory{Packages: pkgs, Sources: []packaging.Source{}}}
	}
	rep, err := shipcheck.Run(ctx, targets, so)
	if err != nil {
		return err
	}
	for i, d := range rep.Deployments {
		dep := deps[i]
		before := prev[dep.id]
		ch := &report.Changes{Archived: dep.taken, Previous: dep.previous, New: []vuln.Finding{}, Gone: []vuln.Finding{}}
		st := state{dep: dep.id, add: map[string]string{}}
		now := map[string]bool{}
		for _, f := range d.Vulns.Findings {
			k := findingKey(f)
			if now[k] {
				continue
			}
			now[k] = true
			if _, ok := before[k]; !ok {
				ch.New = append(ch.New, f)
				st.add[k] = stored(f)
			}
		}
		var gone []string
		for k := range before {
			if !now[k] {
				gone = append(gone, k)
			}
		}
		sort.Strings(gone)
		for _, k := range gone {
			var f vuln.Finding
			if err := json.Unmarshal([]byte(before[k]), &f); err != nil {
				return fmt.Errorf("%s: the stored finding %q: %w", dep.name, k, err)
			}
			ch.Gone = append(ch.Gone, f)
			st.drop = append(st.drop, k)
		}
		out.states = append(out.states, st)
		if !all && len(ch.New)+len(ch.Gone) == 0 {
			continue
		}
		if err := a.locate(ctx, dep.snap, refs[i], d.Vulns.Findings, ch.New); err != nil {
			return err
		}
		d.Changes = ch
		d.Packages = []*sbom.Package{} // the report is about findings: keep it small
		out.Report.Deployments = append(out.Report.Deployments, d)
	}
	return nil
}

// pkg is the archived package of that id, read once per rescan.
func (out *Rescanned) pkg(ctx context.Context, id int64) (*sbom.Package, error) {
	if p := out.pkgs[id]; p != nil {
		return p, nil
	}
	if out.pkgs == nil {
		out.pkgs = map[int64]*sbom.Package{}
	}
	// The first miss reads them all: a rescan needs most of them.
	rows, err := out.a.db.QueryContext(ctx, `SELECT id, ecosystem, name, version, purl, source_name, source_version FROM packages`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		p := &sbom.Package{}
		if err := rows.Scan(&pid, &p.Ecosystem, &p.Name, &p.Version, &p.PURL, &p.SourceName, &p.SourceVersion); err != nil {
			return nil, err
		}
		out.pkgs[pid] = p
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if p := out.pkgs[id]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("package %d: not in the archive", id)
}

// occurrence is a package in a snapshot, without its locations.
type occurrence struct {
	pkg   int64
	ref   string
	typ   string
	flags int
}

// occurrences loads the packages of snapshots, without their locations.
func (a *Archive) occurrences(ctx context.Context, snaps []int64) (map[int64][]occurrence, error) {
	out := map[int64][]occurrence{}
	for start := 0; start < len(snaps); start += batch {
		part := snaps[start:min(start+batch, len(snaps))]
		args := make([]any, len(part))
		for i, s := range part {
			args[i] = s
		}
		rows, err := a.db.QueryContext(ctx, `SELECT snapshot, package, ref, type, flags FROM occurrences WHERE snapshot IN (`+params(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var snap int64
			var o occurrence
			if err := rows.Scan(&snap, &o.pkg, &o.ref, &o.typ, &o.flags); err != nil {
				rows.Close()
				return nil, err
			}
			out[snap] = append(out[snap], o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// locate fills in the locations of findings, from the snapshot's
// occurrences of their packages (refs: a package's ref to its id).
func (a *Archive) locate(ctx context.Context, snap int64, refs map[string]int64, lists ...[]vuln.Finding) error {
	want := map[int64]bool{}
	for _, fs := range lists {
		for _, f := range fs {
			if id, ok := refs[f.Package]; ok {
				want[id] = true
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	args := []any{snap}
	for id := range want {
		args = append(args, id)
	}
	rows, err := a.db.QueryContext(ctx, `SELECT package, locations FROM placements WHERE snapshot = $1 AND package IN (`+params(2, len(args)-1)+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	locs := map[int64][]sbom.Location{}
	for rows.Next() {
		var id int64
		var b []byte
		if err := rows.Scan(&id, &b); err != nil {
			return err
		}
		var l []sbom.Location
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("package %d: locations: %w", id, err)
		}
		locs[id] = l
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, fs := range lists {
		for i := range fs {
			if id, ok := refs[fs[i].Package]; ok {
				fs[i].Locations = locs[id]
			}
		}
	}
	return nil
}

// findingKey names a finding across rescans: the advisory and the package
// version it affects.
func findingKey(f vuln.Finding) string {
	return f.ID + "\x1f" + f.Ecosystem + "\x1f" + f.Name + "\x1f" + f.Version
}

// stored is what is kept of a finding, to say what is no longer present
// later: no details, references, locations or decisions.
func stored(f vuln.Finding) string {
	f.Details, f.References, f.Locations, f.Suppressed, f.Reachability = "", nil, nil, nil, nil
	b, _ := json.Marshal(f)
	return string(b)
}

// deployments lists the deployments of the shard with their latest SBOM,
// by name.
func (a *Archive) deployments(ctx context.Context, sh Shard) ([]depRow, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT d.id, d.name, s.id, s.taken, d.rescanned FROM deployments d JOIN snapshots s ON s.id = d.current_snapshot ORDER BY d.name`)
	if err != nil {
		return nil, fmt.Errorf("rescan %s: %w", a, err)
	}
	defer rows.Close()
	var out []depRow
	for rows.Next() {
		var d depRow
		var taken int64
		var rescanned sql.NullInt64
		if err := rows.Scan(&d.id, &d.name, &d.snap, &taken, &rescanned); err != nil {
			return nil, err
		}
		if !sh.Has(d.name) {
			continue
		}
		d.taken = millis(taken)
		if rescanned.Valid {
			d.previous = millis(rescanned.Int64)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// findings loads the stored findings of deployments: key -> finding.
func (a *Archive) findings(ctx context.Context, deps []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	for start := 0; start < len(deps); start += batch {
		part := deps[start:min(start+batch, len(deps))]
		args := make([]any, len(part))
		for i, d := range part {
			args[i] = d
		}
		rows, err := a.db.QueryContext(ctx, `SELECT deployment, key, finding FROM findings WHERE deployment IN (`+params(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d int64
			var k, f string
			if err := rows.Scan(&d, &k, &f); err != nil {
				rows.Close()
				return nil, err
			}
			if out[d] == nil {
				out[d] = map[string]string{}
			}
			out[d][k] = f
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Record stores each rescanned deployment's findings as the reference of
// the next rescan, and the time of this one. It writes only the
// deployments this rescan rechecked (its shard's), in transactions of a
// few hundred deployments; a deployment removed meanwhile is left alone.
func (out *Rescanned) Record(ctx context.Context) error {
	a := out.a
	at := out.at.UnixMilli()
	const per = 200
	for start := 0; start < len(out.states); start += per {
		part := out.states[start:min(start+per, len(out.states))]
		err := a.tx(ctx, func(tx *sql.Tx) error {
			for _, st := range part {
				var exists int
				err := tx.QueryRowContext(ctx, `SELECT 1 FROM deployments WHERE id = $1`, st.dep).Scan(&exists)
				if errors.Is(err, sql.ErrNoRows) {
					continue // removed since
				}
				if err != nil {
					return err
				}
				for _, k := range st.drop {
					if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE deployment = $1 AND key = $2`, st.dep, k); err != nil {
						return err
					}
				}
				keys := make([]string, 0, len(st.add))
				for k := range st.add {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				per := a.rows(3)
				for s := 0; s < len(keys); s += per {
					ks := keys[s:min(s+per, len(keys))]
					var args []any
					var values []string
					for j, k := range ks {
						values = append(values, "("+params(j*3+1, 3)+")")
						args = append(args, st.dep, k, st.add[k])
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO findings (deployment, key, finding) VALUES `+strings.Join(values, ", ")+
						` ON CONFLICT (deployment, key) DO UPDATE SET finding = excluded.finding`, args...); err != nil {
						return err
					}
				}
				if _, err := tx.ExecContext(ctx, `UPDATE deployments SET rescanned = $1 WHERE id = $2`, at, st.dep); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record the rescan in %s: %w", a, err)
		}
	}
	return nil
}
