import {registry} from "@web/core/registry";

// What a user does: make a draft invoice recurring, see the template and its
// panel, pause it and resume it.
registry.category("web_tour.tours").add("recurring_invoice_tour", {
    steps: () => [
        {
            content: "Click Recurring invoice in the invoice's header",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_recurring_invoice']",
            run: "click",
        },
        {
            content: "Choose the period: month",
            trigger: ".modal .o_field_widget[name='period'] input[data-value='month']",
            run: "click",
        },
        {
            content: "The dialog previews the first dates",
            trigger: ".modal .o_field_widget[name='preview'] li:nth-child(5)",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The invoice is now a recurring template",
            trigger:
                ".o_form_view .oe_title h1 .o_recurring_template_title:contains('Recurring template')",
        },
        {
            content:
                "It is stopped, never posted nor cancelled: no status bar, no Cancel",
            trigger:
                ".o_form_statusbar:has(button[name='action_recurring_stop'])" +
                ":not(:has(.o_statusbar_status)):not(:has(button[name='button_cancel']))",
        },
        {
            content: "Its panel lists the upcoming invoices",
            trigger: ".o_recurring_panel .o_recurring_upcoming li:nth-child(5)",
        },
        {
            content: "Pause it",
            trigger: ".o_recurring_panel button[name='action_recurring_pause']",
            run: "click",
        },
        {
            content: "The panel says it is paused",
            trigger: ".o_recurring_panel .text-warning:contains('Paused')",
        },
        {
            content: "Resume it",
            trigger: ".o_recurring_panel button[name='action_recurring_resume']",
            run: "click",
        },
        {
            content: "It runs again: upcoming dates are back",
            trigger: ".o_recurring_panel .o_recurring_upcoming li:nth-child(5)",
        },
        {
            content: "and it can be paused again",
            trigger: ".o_recurring_panel button[name='action_recurring_pause']",
        },
    ],
});
