//! The states Graph reports for a device, as their wire values and labels.

use crate::domain::wire_enum::wire_enum;

wire_enum!(
    /// Intune's compliance verdict for a device.
    ComplianceState {
        Unknown = "unknown" => "Unknown",
        Compliant = "compliant" => "Compliant",
        Noncompliant = "noncompliant" => "Not compliant",
        Conflict = "conflict" => "Conflict",
        Error = "error" => "Error",
        InGracePeriod = "inGracePeriod" => "In grace period",
        ConfigManager = "configManager" => "Config Manager",
    }
);

wire_enum!(
    /// Whether Intune still manages the device, or is retiring or wiping it.
    ManagementState {
        Managed = "managed" => "Managed",
        RetirePending = "retirePending" => "Retire pending",
        RetireFailed = "retireFailed" => "Retire failed",
        WipePending = "wipePending" => "Wipe pending",
        WipeFailed = "wipeFailed" => "Wipe failed",
        Unhealthy = "unhealthy" => "Unhealthy",
        DeletePending = "deletePending" => "Delete pending",
        RetireIssued = "retireIssued" => "Retire issued",
        WipeIssued = "wipeIssued" => "Wipe issued",
        WipeCanceled = "wipeCanceled" => "Wipe canceled",
        RetireCanceled = "retireCanceled" => "Retire canceled",
        Discovered = "discovered" => "Discovered",
    }
);

wire_enum!(
    /// How the device was enrolled.
    EnrollmentType {
        Unknown = "unknown" => "Unknown",
        UserEnrollment = "userEnrollment" => "User enrollment",
        DeviceEnrollmentManager = "deviceEnrollmentManager" => "Device enrollment manager",
        AppleBulkWithUser = "appleBulkWithUser" => "Apple bulk with user",
        AppleBulkWithoutUser = "appleBulkWithoutUser" => "Apple bulk without user",
        WindowsAzureAdJoin = "windowsAzureADJoin" => "Entra join",
        WindowsBulkUserless = "windowsBulkUserless" => "Windows bulk, userless",
        WindowsAutoEnrollment = "windowsAutoEnrollment" => "Windows automatic enrollment",
        WindowsBulkAzureDomainJoin = "windowsBulkAzureDomainJoin" => "Windows bulk Entra join",
        WindowsCoManagement = "windowsCoManagement" => "Co-management",
        WindowsAzureAdJoinUsingDeviceAuth = "windowsAzureADJoinUsingDeviceAuth" => "Entra join (device auth)",
        AppleUserEnrollment = "appleUserEnrollment" => "Apple user enrollment",
        AppleUserEnrollmentWithServiceAccount = "appleUserEnrollmentWithServiceAccount" => "Apple user enrollment (service account)",
        AndroidEnterpriseDedicatedDevice = "androidEnterpriseDedicatedDevice" => "dedicated",
        AndroidEnterpriseFullyManaged = "androidEnterpriseFullyManaged" => "fully managed",
        AndroidEnterpriseCorporateWorkProfile = "androidEnterpriseCorporateWorkProfile" => "corporate-owned work profile",
    }
);

wire_enum!(
    /// Who owns the device.
    OwnerType {
        Unknown = "unknown" => "Unknown",
        Company = "company" => "Corporate",
        Personal = "personal" => "Personal",
    }
);
