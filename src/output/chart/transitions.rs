//! The channel-transition matrix of repeat contacts: from the channel of a
//! customer's previous contact (rows) to the channel of the repeat
//! (columns), darker for more; the diagonal is no switch.

use std::fmt::Write as _;

use super::{colour, escape, header, note, text, text_width, title};
use crate::output::table::thousands;

pub(super) fn svg(channels: &[String], counts: &[Vec<u64>], w: f64) -> String {
    let title_text = "Repeat contacts: the channel before (rows) and the channel of the repeat (columns)";
    let n = channels.len().max(1);
    let label_width = channels.iter().map(|c| text_width(c, 12.0)).fold(40.0, f64::max) + 16.0;
    let left = 30.0 + label_width;
    let cell = ((w - left - 20.0) / n as f64).min(90.0);
    let highest = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let mut body = String::new();
    let top = title(&mut body, w, 20.0, title_text) + 40.0;
    text(&mut body, left, top - 30.0, "start", &format!("fill=\"{}\"", colour::MUTED), "repeat through →");
    for (j, to) in channels.iter().enumerate() {
        text(&mut body, left + cell * (j as f64 + 0.5), top - 8.0, "middle", "font-weight=\"bold\"", to);
    }
    for (i, from) in channels.iter().enumerate() {
        let y0 = top + cell * i as f64;
        text(&mut body, left - 8.0, y0 + cell / 2.0 + 4.0, "end", "font-weight=\"bold\"", from);
        for (j, to) in channels.iter().enumerate() {
            let count = counts.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0);
            let strength = count as f64 / highest;
            // White to the rate colour (#1f4e79), by count.
            let mix = |full: u8| (255.0 - (255.0 - full as f64) * strength).round() as u8;
            let fill = format!("#{:02x}{:02x}{:02x}", mix(0x1f), mix(0x4e), mix(0x79));
            let x0 = left + cell * j as f64;
            let _ = writeln!(
                body,
                "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{fill}\" stroke=\"white\" stroke-width=\"2\"><title>{} → {}: {} repeat contacts</title></rect>",
                escape(from),
                escape(to),
                thousands(count)
            );
            let ink = if strength > 0.55 { "white" } else { colour::TEXT };
            let weight = if i == j { "" } else { " font-weight=\"bold\"" };
            text(
                &mut body,
                x0 + cell / 2.0,
                y0 + cell / 2.0 + 4.0,
                "middle",
                &format!("fill=\"{ink}\"{weight}"),
                &thousands(count),
            );
        }
    }
    let height = top + cell * n as f64 + 36.0;
    let height = note(
        &mut body,
        w,
        20.0,
        height - 12.0,
        "Off the diagonal: switches of channel (bold). Darker: more repeat contacts.",
    ) + 4.0;
    let mut out = String::new();
    header(&mut out, w, height, title_text);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}
