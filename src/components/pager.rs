use leptos::prelude::*;

/// Page sizes offered.
const PAGE_SIZES: [u32; 4] = [25, 50, 100, 200];

/// Paging: the row range, previous / next, "Page X of Y" and the page size.
#[component]
pub fn Pager(
    /// The 1-based page.
    page: RwSignal<u32>,
    /// Rows per page.
    page_size: RwSignal<u32>,
    /// Rows over all pages.
    #[prop(into)]
    total: Signal<u64>,
) -> impl IntoView {
    let pages = move || {
        let size = u64::from(page_size.get().max(1));
        total.get().div_ceil(size).max(1)
    };
    let range = move || {
        let total = total.get();
        if total == 0 {
            return "No rows".to_owned();
        }
        let size = u64::from(page_size.get().max(1));
        let first = (u64::from(page.get()) - 1) * size + 1;
        let last = (first + size - 1).min(total);
        format!("{first}–{last} of {total}")
    };
    let at_start = move || page.get() <= 1;
    let at_end = move || u64::from(page.get()) >= pages();
    let set_size = move |ev: web_sys::Event| {
        if let Ok(size) = event_target_value(&ev).parse::<u32>() {
            page_size.set(size);
            page.set(1);
        }
    };
    view! {
        <nav class="ac-pager" aria-label="Pagination">
            <span class="ac-pager__range">{range}</span>
            <label class="ac-pager__size">
                "Rows per page "
                <select class="ac-select" on:change=set_size>
                    {PAGE_SIZES
                        .iter()
                        .map(|&n| {
                            view! {
                                <option value=n.to_string() selected=move || page_size.get() == n>
                                    {n.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                disabled=at_start
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
            >
                "Previous page"
            </button>
            <span class="ac-pager__page">{move || format!("Page {} of {}", page.get(), pages())}</span>
            <button
                type="button"
                class="ac-button ac-button--subtle"
                disabled=at_end
                on:click=move |_| page.update(|p| *p += 1)
            >
                "Next page"
            </button>
        </nav>
    }
}
