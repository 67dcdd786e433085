#!/usr/bin/env node
/*
 * icaljs_times.js -- the second, independent parse of an invitation for
 * tests/imip/check_imip.py: Mozilla's ical.js (the parser Thunderbird uses).
 *
 * Reads one iCalendar object on stdin and prints one JSON object:
 *   { method, vevents, uid, sequence, dtstart, dtend, dtstart_tzid,
 *     dtend_tzid, dtstart_zone_resolved, dtend_zone_resolved, summary,
 *     location, status, organizer, attendees: [{email, cn, role, partstat,
 *     rsvp}], tzids_registered }
 * dtstart/dtend are UTC ISO strings ("2027-04-15T11:00:00Z") or null.
 *
 * Only the VTIMEZONEs inside the object are registered with
 * ICAL.TimezoneService: a TZID without its VTIMEZONE stays unresolved and
 * ical.js then reads the time as floating (offset 0), which the caller sees
 * as a difference from python3-icalendar.  On a parse error it prints
 * {"error": "..."} and exits 1.
 *
 * ical.js comes from tests/node_modules (tests/package.json pins it; run
 * "npm ci" in tests/ to install it).
 */
'use strict';

const fs = require('fs');
const ICAL = require('ical.js');

function mailto(v) {
  const s = String(v || '');
  return (s.toLowerCase().startsWith('mailto:') ? s.slice(7) : s).toLowerCase();
}

function utcIso(t) {
  if (!t) return null;
  // toUnixTime() applies the zone's offset (0 for floating/unresolved).
  const d = new Date(t.toUnixTime() * 1000);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function zoneInfo(prop, t) {
  if (!prop || !t) return { tzid: null, resolved: null };
  const tzid = prop.getParameter('tzid') || null;
  if (t.isDate) return { tzid, resolved: false };
  if (!tzid) {
    // "Z" (UTC) resolves; no TZID and no Z is floating time.
    return { tzid: null, resolved: t.zone === ICAL.Timezone.utcTimezone };
  }
  return { tzid, resolved: ICAL.TimezoneService.has(tzid) &&
                          t.zone === ICAL.TimezoneService.get(tzid) };
}

function main() {
  const text = fs.readFileSync(0, 'utf8');
  const cal = new ICAL.Component(ICAL.parse(text));

  ICAL.TimezoneService.reset();
  const registered = [];
  for (const vtz of cal.getAllSubcomponents('vtimezone')) {
    const tz = new ICAL.Timezone(vtz);
    ICAL.TimezoneService.register(tz.tzid, tz);
    registered.push(tz.tzid);
  }

  const vevents = cal.getAllSubcomponents('vevent');
  const out = {
    method: cal.getFirstPropertyValue('method') || null,
    vevents: vevents.length,
    tzids_registered: registered,
    uid: null, sequence: null, dtstart: null, dtend: null,
    dtstart_tzid: null, dtend_tzid: null,
    dtstart_zone_resolved: null, dtend_zone_resolved: null,
    summary: null, location: null, status: null, organizer: null,
    attendees: [],
  };
  if (vevents.length) {
    const vev = vevents[0];
    const ev = new ICAL.Event(vev);
    const startProp = vev.getFirstProperty('dtstart');
    const endProp = vev.getFirstProperty('dtend');
    const start = startProp ? ev.startDate : null;
    // ICAL.Event.endDate also derives an end from DURATION; report only
    // what DTEND itself says so that both parsers compare like with like.
    const end = endProp ? endProp.getFirstValue() : null;
    const zs = zoneInfo(startProp, start), ze = zoneInfo(endProp, end);
    const seq = vev.getFirstPropertyValue('sequence');
    Object.assign(out, {
      uid: ev.uid || null,
      sequence: seq === null || seq === undefined ? null : Number(seq),
      dtstart: utcIso(start),
      dtend: utcIso(end),
      dtstart_tzid: zs.tzid, dtend_tzid: ze.tzid,
      dtstart_zone_resolved: zs.resolved, dtend_zone_resolved: ze.resolved,
      summary: ev.summary || null,
      location: ev.location || null,
      status: vev.getFirstPropertyValue('status') || null,
      organizer: vev.getFirstPropertyValue('organizer') ?
        mailto(vev.getFirstPropertyValue('organizer')) : null,
      attendees: ev.attendees.map((a) => ({
        email: mailto(a.getFirstValue()),
        cn: a.getParameter('cn') || null,
        role: a.getParameter('role') || null,
        partstat: a.getParameter('partstat') || null,
        rsvp: a.getParameter('rsvp') == null ? null :
          String(a.getParameter('rsvp')).toUpperCase() === 'TRUE',
      })),
    });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

try {
  main();
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String((e && e.message) || e) }) + '\n');
  process.exit(1);
}
