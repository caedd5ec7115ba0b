//! The entries of the menu blades, as enums: the order shown, the labels, and what opening
//! each does are all said once.

/// An entry of a menu blade.
pub trait MenuItem: Copy + PartialEq + Sized + 'static {
    /// Every entry, in the order shown.
    const ALL: &'static [Self];

    /// The label shown.
    fn label(self) -> &'static str;

    /// The entry at `index`, clamped to the menu.
    fn at(index: usize) -> Self {
        Self::ALL[index.min(Self::ALL.len() - 1)]
    }

    /// Where this entry stands in the menu.
    fn index(self) -> usize {
        Self::ALL.iter().position(|&i| i == self).unwrap_or(0)
    }
}

macro_rules! menu {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $(#[doc = $label] $variant,)+
        }

        impl MenuItem for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }
        }
    };
}

menu!(
    /// The Intune (home) blade.
    HomeItem {
        Devices => "Devices",
        Connector => "TeamViewer Connector",
        Sessions => "Sessions",
        Accounts => "Accounts",
        Audit => "Audit log",
    }
);

menu!(
    /// The Devices blade, as in the portal.
    DevicesItem {
        AllDevices => "All devices",
        Connector => "Setup › TeamViewer Connector",
    }
);

menu!(
    /// A device's More menu.
    MoreItem {
        NewSession => "New Remote Assistance Session",
        Sync => "Sync",
        CopyId => "Copy device id",
        Refresh => "Refresh",
    }
);

impl MoreItem {
    /// The entries shown: read-only mode hides Sync, a change (New Remote Assistance Session
    /// stays, greyed with its reason).
    pub fn shown(read_only: bool) -> &'static [MoreItem] {
        if read_only {
            &[MoreItem::NewSession, MoreItem::CopyId, MoreItem::Refresh]
        } else {
            MoreItem::ALL
        }
    }

    /// The entry at `index` of those shown.
    pub fn shown_at(read_only: bool, index: usize) -> MoreItem {
        let shown = MoreItem::shown(read_only);
        shown[index.min(shown.len() - 1)]
    }
}

menu!(
    /// The Accounts blade.
    AccountItem {
        Graph => "Microsoft Graph",
        TeamViewer => "TeamViewer",
        Tenants => "Tenants",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_their_place() {
        for item in HomeItem::ALL {
            assert_eq!(HomeItem::at(item.index()), *item);
        }
        assert_eq!(MoreItem::at(99), MoreItem::Refresh);
        assert_eq!(HomeItem::Audit.label(), "Audit log");
    }
}
